package io.switchboard.core.cache;

import io.switchboard.api.SpeechRequest;
import io.switchboard.api.StreamProtocol;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Records a stream as the router relays it (chat chunk messages, speech audio), to keep it once it ended cleanly.
 * Holds at most {@code maxBytes}: a longer stream is given up at once (its parts dropped) and not cached. JSON parts
 * are kept without the per-request route field; audio buffers by reference (bus audio is read-only).
 */
public final class CacheRecorder {

  private final long maxBytes;
  private final List<Object> parts = new ArrayList<>();
  private JsonObject headers = new JsonObject();
  private long bytes;
  private boolean overflowed;

  public CacheRecorder(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** The first message's headers a replay must repeat (a speech stream's {@code content-type}). */
  public void headers(MultiMap first) {
    String contentType = first.get(SpeechRequest.CONTENT_TYPE_HEADER);
    if (contentType != null) {
      headers = new JsonObject().put(SpeechRequest.CONTENT_TYPE_HEADER, contentType);
    }
  }

  /** One data message's body. */
  public void part(Object body) {
    if (overflowed) {
      return;
    }
    Object kept;
    long size;
    if (body instanceof Buffer b) {
      kept = b;
      size = b.length();
    } else if (body instanceof JsonObject j) {
      JsonObject copy = j.copy();
      copy.remove(StreamProtocol.ROUTE);
      kept = copy;
      size = copy.toBuffer().length();
    } else {
      overflowed = true; // not a shape a replay knows
      parts.clear();
      return;
    }
    bytes += size;
    if (bytes > maxBytes) {
      overflowed = true;
      parts.clear();
      return;
    }
    parts.add(kept);
  }

  /** True when the stream is too long (or odd) to keep. */
  public boolean overflowed() {
    return overflowed;
  }

  /** The answer to keep, given the end message's body; null when the stream overflowed. */
  public CachedAnswer finish(CachedAnswer.Origin origin, JsonObject end) {
    if (overflowed) {
      return null;
    }
    JsonObject kept = end.copy();
    kept.remove(StreamProtocol.ROUTE);
    return CachedAnswer.stream(origin, headers, parts, kept);
  }
}
