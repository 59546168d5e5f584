package io.switchboard.core.cache;

import io.switchboard.api.ArtifactRefs;
import io.switchboard.api.CacheStatus;
import io.switchboard.api.Capability;
import io.switchboard.api.Privacy;
import io.switchboard.api.StreamProtocol;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An answer as the cache keeps it: who produced it (backend, its privacy class, the model it ran), what it cost
 * (the saving of every hit), its usage, when, the artifacts of the request and answer, and the answer itself: a whole
 * reply ({@code whole}: its JSON bytes as an HTTP answer carries them, without the mesh's own fields, so that a hit can
 * be written as it is, never decoded and encoded again), or a stream's data messages ({@code parts}: JSON objects for
 * chat, audio buffers for speech) and its end message, with the headers of its first message (a speech stream's
 * {@code content-type}); and the audio seconds a transcript reports ({@code duration}, -1 for none), which a hit's
 * usage record repeats without decoding the reply.
 */
public record CachedAnswer(
  Capability capability,
  String backend,
  Privacy privacy,
  String model,
  double costUsd,
  JsonObject usage,
  long createdMs,
  ArtifactRefs artifacts,
  JsonObject headers,
  Buffer whole,
  List<Object> parts,
  JsonObject end,
  double audioSeconds) {

  /**
   * Where an answer came from: what the usage record of a hit repeats (backend, model, usage) and what the privacy
   * rule checks (backend and its class).
   */
  public record Origin(Capability capability, String backend, Privacy privacy, String model, double costUsd, JsonObject usage,
                       ArtifactRefs artifacts, long createdMs) {
  }

  /**
   * A whole reply, kept as its JSON bytes without the mesh's own fields: the route explanation, the cache status and the
   * artifacts are per request (a hit gets its own).
   */
  public static CachedAnswer whole(Origin o, JsonObject body) {
    JsonObject kept = body.copy();
    kept.remove(StreamProtocol.ROUTE);
    kept.remove(CacheStatus.FIELD);
    kept.remove(ArtifactRefs.FIELD);
    return new CachedAnswer(o.capability(), o.backend(), o.privacy(), o.model(), o.costUsd(), o.usage(), o.createdMs(),
      o.artifacts(), null, kept.toBuffer(), null, null, seconds(kept));
  }

  /** A stream: the headers of its first message, its data bodies, its end body. */
  public static CachedAnswer stream(Origin o, JsonObject headers, List<Object> parts, JsonObject end) {
    return new CachedAnswer(o.capability(), o.backend(), o.privacy(), o.model(), o.costUsd(), o.usage(), o.createdMs(),
      o.artifacts(), headers, null, parts, end, -1);
  }

  private static double seconds(JsonObject reply) {
    return reply.getValue("duration") instanceof Number n && n.doubleValue() >= 0 ? n.doubleValue() : -1;
  }

  private static final byte JSON = 'J';
  private static final byte BYTES = 'B';

  public CachedAnswer {
    Objects.requireNonNull(capability, "capability");
    Objects.requireNonNull(privacy, "privacy");
    usage = usage == null ? new JsonObject() : usage;
    artifacts = artifacts == null ? ArtifactRefs.NONE : artifacts;
    headers = headers == null ? new JsonObject() : headers;
    parts = parts == null ? List.of() : List.copyOf(parts);
    if ((whole == null) == (end == null)) {
      throw new IllegalArgumentException("an answer is whole or a stream with an end, not both nor neither");
    }
    for (Object p : parts) {
      if (!(p instanceof JsonObject) && !(p instanceof Buffer)) {
        throw new IllegalArgumentException("stream parts are JSON objects or buffers, got " + p.getClass().getSimpleName());
      }
    }
  }

  public boolean streamed() {
    return end != null;
  }

  /** The whole reply decoded (a new object each call: the caller may change it); null for a stream. */
  public JsonObject wholeJson() {
    return whole == null ? null : new JsonObject(whole);
  }

  /**
   * The form kept in the shared map: {@code [meta length][meta JSON]} then frames {@code [J|B][length][bytes]}: the
   * whole reply, or every part and then the end.
   */
  public Buffer encode() {
    JsonObject meta = new JsonObject()
      .put("capability", capability.wireName())
      .put("backend", backend)
      .put("privacy", privacy.wireName())
      .put("model", model)
      .put("cost_usd", costUsd)
      .put("usage", usage)
      .put("created_ms", createdMs)
      .put("artifacts", artifacts.toJson())
      .put("headers", headers)
      .put("audio_seconds", audioSeconds)
      .put("form", streamed() ? "stream" : "whole")
      .put("parts", parts.size());
    byte[] m = meta.encode().getBytes(StandardCharsets.UTF_8);
    Buffer out = Buffer.buffer(64 + m.length).appendInt(m.length).appendBytes(m);
    if (!streamed()) {
      out.appendByte(JSON).appendInt(whole.length()).appendBuffer(whole);
    } else {
      parts.forEach(p -> frame(out, p));
      frame(out, end);
    }
    return out;
  }

  private static void frame(Buffer out, Object part) {
    if (part instanceof Buffer b) {
      out.appendByte(BYTES).appendInt(b.length()).appendBuffer(b);
    } else {
      Buffer json = ((JsonObject) part).toBuffer();
      out.appendByte(JSON).appendInt(json.length()).appendBuffer(json);
    }
  }

  /** Reads {@link #encode()}; throws {@link IllegalArgumentException} on anything else. */
  public static CachedAnswer decode(Buffer in) {
    try {
      int metaLength = in.getInt(0);
      JsonObject meta = new JsonObject(in.getString(4, 4 + metaLength, "UTF-8"));
      int[] pos = {4 + metaLength};
      boolean streamed = "stream".equals(meta.getString("form"));
      Buffer whole = null;
      JsonObject end = null;
      List<Object> parts = new ArrayList<>();
      if (!streamed) {
        whole = wholeFrame(in, pos);
      } else {
        int n = meta.getInteger("parts");
        for (int i = 0; i < n; i++) {
          parts.add(readFrame(in, pos));
        }
        end = (JsonObject) readFrame(in, pos);
      }
      if (pos[0] != in.length()) {
        throw new IllegalArgumentException("trailing bytes");
      }
      return new CachedAnswer(Capability.parse(meta.getString("capability")), meta.getString("backend"),
        Privacy.parse(meta.getString("privacy")), meta.getString("model"), meta.getDouble("cost_usd", 0d),
        meta.getJsonObject("usage"), meta.getLong("created_ms", 0L), ArtifactRefs.fromJson(meta.getJsonObject("artifacts")),
        meta.getJsonObject("headers"), whole, parts, end,
        meta.containsKey("audio_seconds") ? meta.getDouble("audio_seconds") : whole != null ? seconds(new JsonObject(whole)) : -1);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a cached answer: " + e.getMessage(), e);
    }
  }

  /** The whole reply's frame as its bytes (a view), not decoded: a hit over HTTP writes them as they are. */
  private static Buffer wholeFrame(Buffer in, int[] pos) {
    int length = in.getInt(pos[0] + 1);
    if (in.getByte(pos[0]) != JSON || length < 2 || in.getByte(pos[0] + 5) != '{') {
      throw new IllegalArgumentException("the whole reply is not a JSON object");
    }
    Buffer body = in.slice(pos[0] + 5, pos[0] + 5 + length);
    pos[0] += 5 + length;
    return body;
  }

  private static Object readFrame(Buffer in, int[] pos) {
    byte type = in.getByte(pos[0]);
    int length = in.getInt(pos[0] + 1);
    Buffer body = in.slice(pos[0] + 5, pos[0] + 5 + length);
    pos[0] += 5 + length;
    if (type == BYTES) {
      return body; // a view: answers are read-only, and the bus copies a Buffer it sends
    }
    if (type == JSON) {
      return new JsonObject(body);
    }
    throw new IllegalArgumentException("unknown frame type " + type);
  }
}
