package io.switchboard.core.cache;

import io.switchboard.api.ArtifactKind;
import io.switchboard.api.ArtifactRefs;
import io.switchboard.api.Capability;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.EmbeddingRequest;
import io.switchboard.api.Privacy;
import io.switchboard.api.RouteHints;
import io.switchboard.api.SpeechRequest;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.core.cid.CanonicalJson;
import io.switchboard.core.cid.CidHasher;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Set;

/**
 * The canonicalisers: one per capability, each turning a validated request into the canonical JSON whose CID is its
 * cache key. Everything that can change the answer is in it: the model as it will run, every generation parameter
 * with its default filled in (so {@code {}} and {@code {"n":1}} are one request), the request's privacy ceiling
 * (capped by its key's) and a forced provider. What cannot change it is left out: routing hints other than those,
 * {@code stream} for speech (always a stream), the transcript's {@code response_format} (rendered from the same
 * verbose transcript at the edge), {@code user}, {@code metadata}, {@code store} and {@code cache} itself. With
 * {@code cache.scope: key} the key id is in it too, so no two keys ever share an entry.
 */
public final class CacheKeys {

  /** Bumped when the canonical form changes, so old entries never match new requests. */
  static final int VERSION = 1;
  private static final Set<String> NEVER = Set.of("cache", "user", "metadata", "store");

  private final boolean keyScoped;

  /** @param keyScoped true with {@code cache.scope: key} */
  public CacheKeys(boolean keyScoped) {
    this.keyScoped = keyScoped;
  }

  /**
   * Who asks: the privacy ceiling the request runs under (its {@code privacy}, capped by its key's ceiling and the
   * router's default) and its key id (in the key only when scoped by key).
   */
  public record Asker(Privacy ceiling, String keyId) {
  }

  /** A transcription of the upload {@code audioCid} (computed as it streamed in). */
  public CacheKey transcription(TranscriptionRequest r, String audioCid, String model, Asker asker) {
    JsonObject c = common(Capability.TRANSCRIBE, model != null ? model : r.model(), r.hints(), asker)
      .put("audio", audioCid)
      .put("language", r.language())
      .put("prompt", r.prompt())
      .put("temperature", r.temperature() != null ? r.temperature() : 0);
    return key(Capability.TRANSCRIBE, c, new ArtifactRefs(java.util.Map.of(ArtifactKind.AUDIO_IN, audioCid)));
  }

  public CacheKey embeddings(EmbeddingRequest r, String model, Asker asker) {
    JsonObject c = common(Capability.EMBED, model != null ? model : r.model(), r.hints(), asker)
      .put("input", new JsonArray(new ArrayList<>(r.inputs())))
      .put("encoding_format", r.encodingFormat())
      .put("dimensions", r.dimensions());
    extra(c, r.extra());
    return key(Capability.EMBED, c, ArtifactRefs.NONE);
  }

  public CacheKey speech(SpeechRequest r, String model, Asker asker) {
    JsonObject c = common(Capability.SPEECH, model != null ? model : r.model(), r.hints(), asker)
      .put("input", r.input())
      .put("voice", r.voice())
      .put("response_format", r.responseFormat())
      .put("speed", r.speed() != null ? r.speed() : 1)
      .put("sample_rate", r.sampleRate());
    extra(c, r.extra());
    return key(Capability.SPEECH, c, ArtifactRefs.NONE);
  }

  /** A chat request's key, or null when its answer is not determined by it (no {@code temperature: 0}, no {@code seed}). */
  public CacheKey chat(ChatRequest r, String model, Asker asker) {
    boolean greedy = r.temperature() != null && r.temperature() == 0;
    if (!greedy && r.seed() == null) {
      return null;
    }
    JsonObject upstream = r.toUpstreamJson();
    JsonObject extra = r.extra().copy();
    extra.remove("max_tokens");
    extra.remove("max_completion_tokens");
    JsonObject c = common(Capability.CHAT, model != null ? model : r.model(), r.hints(), asker)
      .put("messages", upstream.getJsonArray("messages"))
      .put("stream", r.stream())
      .put("max_tokens", r.maxTokens())
      .put("temperature", r.temperature() != null ? r.temperature() : 1)
      .put("top_p", r.topP() != null ? r.topP() : 1)
      .put("stop", r.stop().isEmpty() ? null : new JsonArray(new ArrayList<>(r.stop())))
      .put("seed", r.seed());
    defaults(extra, "n", 1);
    defaults(extra, "presence_penalty", 0);
    defaults(extra, "frequency_penalty", 0);
    extra(c, extra);
    return key(Capability.CHAT, c, ArtifactRefs.NONE);
  }

  private JsonObject common(Capability capability, String model, RouteHints hints, Asker asker) {
    return new JsonObject()
      .put("v", VERSION)
      .put("capability", capability.wireName())
      .put("model", model)
      .put("privacy", asker.ceiling().wireName())
      .put("provider", hints.provider())
      .put("key_id", keyScoped ? (asker.keyId() == null ? "" : asker.keyId()) : null);
  }

  private static void defaults(JsonObject extra, String field, Object value) {
    if (extra.getValue(field) == null) {
      extra.put(field, value);
    }
  }

  /** The request's other fields, under {@code extra} so they can never collide with the canonical ones. */
  private static void extra(JsonObject canonical, JsonObject extra) {
    JsonObject kept = new JsonObject();
    extra.forEach(e -> {
      if (!NEVER.contains(e.getKey())) {
        kept.put(e.getKey(), e.getValue());
      }
    });
    if (!kept.isEmpty()) {
      canonical.put("extra", kept);
    }
  }

  private static CacheKey key(Capability capability, JsonObject canonical, ArtifactRefs inputs) {
    return new CacheKey(capability, CidHasher.of(CanonicalJson.bytes(canonical)), inputs);
  }
}
