package io.switchboard.router;

import io.netty.buffer.Unpooled;
import io.switchboard.api.ArtifactKind;
import io.switchboard.api.ArtifactRefs;
import io.switchboard.api.StreamProtocol;
import io.switchboard.core.artifact.ArtifactTag;
import io.switchboard.core.artifact.ArtifactWriter;
import io.switchboard.core.artifact.Artifacts;
import io.switchboard.core.cache.CacheRecorder;
import io.switchboard.core.cache.CachedAnswer;
import io.switchboard.core.cid.CanonicalJson;
import io.switchboard.core.cid.FileDag;
import io.switchboard.core.cid.FileDagHasher;
import io.switchboard.router.policy.Candidate;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * One backend answer's output artifact and cache entry, built as the answer passes through the router. Its CID: for a
 * JSON answer (transcript, chat completion, embeddings list) the CID of its canonical JSON without the mesh's own
 * fields; for a chat stream, of the array of its chunk objects; for speech, of the audio bytes, hashed message by
 * message (and written to the store as they pass when {@code audio_out} is kept). A stream is recorded for the cache
 * ({@link CacheRecorder}, bounded by {@code max_entry_bytes}) only when the request has a cache key. Owned by the
 * router's event loop.
 */
final class AnswerOutputs {

  private final RoutedRequest r;
  private final Artifacts artifacts;
  private final ArtifactKind kind;
  private CacheRecorder recorder;
  private JsonArray chunks;
  private FileDagHasher audio;
  private ArtifactWriter writer;

  AnswerOutputs(RoutedRequest r, Artifacts artifacts) {
    this.r = r;
    this.artifacts = artifacts;
    this.kind = AnswerCache.outputKind(r.capability());
  }

  /** A whole answer ({@code body} without the route field): its refs, the output kept when the conf says so. */
  ArtifactRefs whole(JsonObject body) {
    if (kind == null) {
      return r.artifacts();
    }
    Buffer bytes = canonical(body);
    FileDag dag = FileDag.of(bytes);
    keep(bytes, dag);
    return r.artifacts().with(kind, dag.root().toString());
  }

  /** The first message of a stream: what the recording must repeat of its headers. */
  void first(MultiMap headers) {
    if (r.cacheKey() != null && artifacts != null) {
      recorder = new CacheRecorder(artifacts.cache().settings().maxEntryBytes());
      recorder.headers(headers);
    }
    if (kind == ArtifactKind.AUDIO_OUT) {
      audio = new FileDagHasher();
      writer = artifacts == null ? null : artifacts.writer(tag());
    } else {
      chunks = new JsonArray();
    }
  }

  /** One data message of the stream, as the backend sent it. */
  void part(Object body) {
    if (recorder != null) {
      recorder.part(body);
    }
    take(body);
  }

  /** The stream's end message: the request's refs with the output's CID. */
  ArtifactRefs end(Object body) {
    take(body);
    if (audio != null) {
      FileDag dag = audio.finish();
      if (writer != null) {
        writer.end();
      }
      return r.artifacts().with(kind, dag.root().toString());
    }
    if (chunks == null || kind == null) {
      return r.artifacts();
    }
    Buffer bytes = canonical(chunks);
    FileDag dag = FileDag.of(bytes);
    keep(bytes, dag);
    return r.artifacts().with(kind, dag.root().toString());
  }

  /** The stream did not end cleanly: nothing is kept or cached. */
  void abort() {
    recorder = null;
    if (writer != null) {
      writer.abort();
      writer = null;
    }
  }

  private void take(Object body) {
    if (audio != null) {
      Buffer bytes = body instanceof Buffer b ? b
        : body instanceof JsonObject j && j.getValue("audio") != null ? j.getBuffer("audio") : null;
      if (bytes != null && bytes.length() > 0) {
        audio.update(bytes);
        if (writer != null) {
          writer.write(bytes);
        }
      }
    } else if (chunks != null && body instanceof JsonObject j) {
      JsonArray c = j.getJsonArray(StreamProtocol.CHUNKS);
      if (c != null) {
        chunks.addAll(c);
      }
    }
  }

  /** The canonical bytes wrapped, not copied as {@code Buffer.buffer(byte[])} copies: the array is no one else's. */
  private static Buffer canonical(Object json) {
    return BufferInternal.buffer(Unpooled.wrappedBuffer(CanonicalJson.bytes(json)));
  }

  private ArtifactTag tag() {
    Candidate on = r.current();
    return new ArtifactTag(kind, on.backend().privacy(), r.keyId(), r.requestId());
  }

  private void keep(Buffer bytes, FileDag dag) {
    if (artifacts != null && r.current() != null) {
      artifacts.keep(tag(), bytes, dag);
    }
  }

  /** Stores a whole answer (after it was accounted for: its cost is known) when the request has a cache key. */
  void cacheWhole(JsonObject body) {
    if (r.cacheKey() != null && artifacts != null) {
      artifacts.cache().store(r.cacheKey(), CachedAnswer.whole(origin(body.getJsonObject("usage")), body));
    }
  }

  /** Stores a recorded stream, given its end message (its {@code usage}), unless it was too long to record. */
  void cacheStream(JsonObject end) {
    if (recorder == null) {
      return;
    }
    CachedAnswer answer = recorder.finish(origin(end.getJsonObject(StreamProtocol.USAGE)), end);
    if (answer != null) {
      artifacts.cache().store(r.cacheKey(), answer);
    }
  }

  private CachedAnswer.Origin origin(JsonObject usage) {
    Candidate on = r.current();
    return new CachedAnswer.Origin(r.capability(), on.id(), on.backend().privacy(), on.model(), r.listCostUsd(), usage,
      r.artifacts(), System.currentTimeMillis());
  }
}
