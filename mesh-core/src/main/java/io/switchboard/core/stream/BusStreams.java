package io.switchboard.core.stream;

import io.switchboard.api.JsonHandOver;
import io.switchboard.api.MeshException;
import io.switchboard.api.StreamProtocol;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.BiFunction;

/**
 * Both ends of {@link StreamProtocol}: serving a {@link ChunkPipe} to a bus caller one message per credit, and
 * pulling a stream as a caller.
 */
public final class BusStreams {

  private BusStreams() {
  }

  /** True when {@code message} is part of a stream (data or end) rather than a whole reply. */
  public static boolean isStream(Message<?> message) {
    return message.headers().contains(StreamProtocol.HEADER);
  }

  /** True when {@code message} is the last message of a stream. */
  public static boolean isEnd(Message<?> message) {
    return StreamProtocol.END.equals(message.headers().get(StreamProtocol.HEADER));
  }

  public static DeliveryOptions data(long creditTimeoutMs) {
    return new DeliveryOptions().addHeader(StreamProtocol.HEADER, StreamProtocol.DATA).setSendTimeout(creditTimeoutMs);
  }

  public static DeliveryOptions end() {
    return new DeliveryOptions().addHeader(StreamProtocol.HEADER, StreamProtocol.END);
  }

  /** As a caller: asks for the next message of a stream. */
  public static Future<Message<Object>> next(Message<?> current, long timeoutMs) {
    return current.replyAndRequest(StreamProtocol.next(), new DeliveryOptions().setSendTimeout(timeoutMs));
  }

  /** As a caller: stops a stream (no reply expected). */
  public static void cancel(Message<?> current) {
    current.reply(StreamProtocol.cancel());
  }

  /**
   * As a caller that no longer reads what comes (its client went away, another answer won): stops the stream, unless
   * {@code current} already ended it or was a whole reply, which need no cancel.
   */
  public static void drop(Message<?> current) {
    if (isStream(current) && !isEnd(current)) {
      cancel(current);
    }
  }


  /**
   * Serves {@code pipe} to the caller of {@code request}: waits for the first item (a failure before it fails the
   * request, so the router can try another backend), then sends one message per credit, batching what has
   * accumulated. A caller that cancels or stops pulling for {@code creditTimeoutMs} cancels the pipe.
   *
   * @param encode turns a batch into a data body; the boolean is true for the first message
   * @param endBody turns the trailer and the last batch into the end message's body
   * @return completes when the stream is over (succeeded: ended cleanly; failed: failed or cancelled)
   */
  public static <T> Future<Void> serve(Message<?> request, ChunkPipe<T> pipe, long creditTimeoutMs,
                                       BiFunction<List<T>, Boolean, Object> encode,
                                       BiFunction<List<T>, JsonObject, Object> endBody) {
    return new Sender<>(pipe, creditTimeoutMs, encode, endBody, false).start(request);
  }

  /**
   * {@link #serve}, each JSON body handed to the caller uncopied ({@link JsonHandOver}): for {@code encode} and
   * {@code endBody} that build a new object every time, out of items nobody changes once taken from the pipe.
   */
  public static <T> Future<Void> serveHandingOver(Message<?> request, ChunkPipe<T> pipe, long creditTimeoutMs,
                                                  BiFunction<List<T>, Boolean, Object> encode,
                                                  BiFunction<List<T>, JsonObject, Object> endBody) {
    return new Sender<>(pipe, creditTimeoutMs, encode, endBody, true).start(request);
  }

  private static final class Sender<T> {
    private final ChunkPipe<T> pipe;
    private final long creditTimeoutMs;
    private final BiFunction<List<T>, Boolean, Object> encode;
    private final BiFunction<List<T>, JsonObject, Object> endBody;
    private final boolean handOver;
    private final io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    private Message<?> target;
    private boolean first = true;

    Sender(ChunkPipe<T> pipe, long creditTimeoutMs, BiFunction<List<T>, Boolean, Object> encode,
           BiFunction<List<T>, JsonObject, Object> endBody, boolean handOver) {
      this.pipe = pipe;
      this.creditTimeoutMs = creditTimeoutMs;
      this.encode = encode;
      this.endBody = endBody;
      this.handOver = handOver;
    }

    private DeliveryOptions handedOver(Object body, DeliveryOptions options) {
      return handOver && body instanceof JsonObject ? JsonHandOver.options(options) : options;
    }

    Future<Void> start(Message<?> request) {
      target = request;
      pipe.availableHandler(this::pump);
      return done.future();
    }

    private void pump() {
      if (target == null || done.future().isComplete()) {
        return;
      }
      Message<?> to = target;
      if (pipe.failure() != null && !pipe.hasItems()) {
        target = null;
        MeshException error = MeshException.from(pipe.failure());
        to.reply(error);
        done.tryFail(error);
        return;
      }
      if (pipe.isEnded()) {
        target = null;
        List<T> rest = pipe.takeAll();
        Object last = endBody.apply(rest, pipe.trailer());
        to.reply(last, handedOver(last, end()));
        done.tryComplete();
        return;
      }
      if (!pipe.hasItems()) {
        return;
      }
      target = null;
      List<T> batch = pipe.takeAll();
      Object body = encode.apply(batch, first);
      first = false;
      to.replyAndRequest(body, handedOver(body, data(creditTimeoutMs))).onComplete(ar -> {
        if (ar.failed()) {
          // The caller stopped pulling (timed out) or vanished: stop producing.
          pipe.cancel();
          done.tryFail(MeshException.from(ar.cause()));
        } else if (StreamProtocol.isCancel(ar.result().body())) {
          pipe.cancel();
          done.tryFail(new MeshException(io.switchboard.api.ErrorCode.CANCELLED, "cancelled by the caller"));
        } else {
          target = ar.result();
          pump();
        }
      });
    }
  }

}
