package io.switchboard.core.cache;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.StreamProtocol;
import io.switchboard.core.stream.BusStreams;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Answers a request from a cached answer, in the shape a backend would have: a whole reply, or the recorded stream
 * as a pulled stream ({@link StreamProtocol}): the first message with the caller's headers, then one recorded message
 * per credit through {@link BusStreams#serve} fed by a {@link ChunkPipe} one part at a time, then the recorded end.
 * A caller that cancels or stops pulling stops the replay.
 */
public final class CacheReplay {

  private CacheReplay() {
  }

  /** Replies with a whole answer; {@code route} (the explanation of this request) goes in its {@code switchboard} field. */
  public static void reply(Message<?> request, CachedAnswer answer, DeliveryOptions options, JsonObject route) {
    request.reply(withRoute(answer.wholeJson(), route), options);
  }

  /**
   * Serves a streamed answer: completes when the end was sent, fails when the caller cancelled or stopped pulling.
   *
   * @param first           options of the first message (backend, route, cache status headers); taken over
   * @param route           the request's explanation, put in a JSON first message's {@code switchboard} field
   * @param creditTimeoutMs how long to wait for each credit
   */
  public static Future<Void> serve(Message<?> request, CachedAnswer answer, DeliveryOptions first, JsonObject route,
                                   long creditTimeoutMs) {
    DeliveryOptions options = first;
    answer.headers().forEach(h -> options.addHeader(h.getKey(), String.valueOf(h.getValue())));
    List<Object> parts = answer.parts();
    if (parts.isEmpty()) {
      request.reply(withRoute(answer.end().copy(), route), options.addHeader(StreamProtocol.HEADER, StreamProtocol.END));
      return Future.succeededFuture();
    }
    Object head = parts.get(0) instanceof JsonObject j ? withRoute(j.copy(), route) : parts.get(0);
    options.addHeader(StreamProtocol.HEADER, StreamProtocol.DATA).setSendTimeout(creditTimeoutMs);
    return request.replyAndRequest(head, options).compose(credit -> {
      if (StreamProtocol.isCancel(credit.body())) {
        return Future.failedFuture(new MeshException(ErrorCode.CANCELLED, "cancelled by the caller"));
      }
      ChunkPipe<Object> pipe = new ChunkPipe<>(1);
      feed(pipe, parts, new int[]{1}, answer.end());
      return BusStreams.serve(credit, pipe, creditTimeoutMs, (batch, isFirst) -> merge(batch), CacheReplay::end);
    });
  }

  /** Writes the next part when the sender took the previous one; ends the pipe after the last. */
  private static void feed(ChunkPipe<Object> pipe, List<Object> parts, int[] next, JsonObject end) {
    if (pipe.isCancelled()) {
      return;
    }
    if (next[0] >= parts.size()) {
      pipe.end(end.copy());
      return;
    }
    pipe.drainHandler(() -> feed(pipe, parts, next, end));
    pipe.write(parts.get(next[0]++));
  }

  private static JsonObject withRoute(JsonObject body, JsonObject route) {
    return route == null ? body : body.put(StreamProtocol.ROUTE, route);
  }

  /** One part per message; should several ever be taken together, they are joined as a backend batches them. */
  private static Object merge(List<Object> batch) {
    if (batch.size() == 1) {
      return batch.get(0);
    }
    if (batch.get(0) instanceof Buffer) {
      Buffer out = Buffer.buffer();
      batch.forEach(b -> out.appendBuffer((Buffer) b));
      return out;
    }
    JsonArray chunks = new JsonArray();
    batch.forEach(b -> chunks.addAll(((JsonObject) b).getJsonArray(StreamProtocol.CHUNKS, new JsonArray())));
    return new JsonObject().put(StreamProtocol.CHUNKS, chunks);
  }

  private static Object end(List<Object> rest, JsonObject trailer) {
    if (rest.isEmpty()) {
      return trailer;
    }
    Object joined = merge(rest);
    if (joined instanceof Buffer audio) {
      Buffer last = trailer.getValue("audio") == null ? Buffer.buffer() : trailer.getBuffer("audio");
      return trailer.put("audio", audio.copy().appendBuffer(last));
    }
    JsonArray chunks = ((JsonObject) joined).getJsonArray(StreamProtocol.CHUNKS).copy();
    chunks.addAll(trailer.getJsonArray(StreamProtocol.CHUNKS, new JsonArray()));
    return trailer.put(StreamProtocol.CHUNKS, chunks);
  }
}
