package io.switchboard.voice.call;

import io.switchboard.api.CacheStatus;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Headers;
import io.switchboard.api.MeshException;
import io.switchboard.core.stream.BusStreams;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

import java.util.function.Consumer;

/**
 * The caller's side of one pulled bus stream (chat tokens, speech audio): every data message is handed on and then
 * answered with the credit for the next, unless the stream is paused (the caller's buffer is full: the backend
 * then waits) or cancelled (the next message is answered with {@code cancel}, which the router relays to the
 * backend, which stops its upstream). {@link #done} completes with the end message's body, or fails with the
 * stream's error; {@link #delivered} tells a failure after content from one before it. On the call's context only.
 */
final class PulledStream {

  private final long idleMs;
  private final Consumer<Object> onData;
  private Consumer<Object> onLate = body -> { };
  private Consumer<Object> onLateEnd = body -> { };
  private final Promise<Object> done = Promise.promise();
  private final String backend;
  private Message<Object> held;
  private boolean paused;
  private boolean cancelled;
  private boolean delivered;

  private final Message<Object> first;

  /** The stream whose first message is {@code first}; nothing happens before {@link #start}. */
  PulledStream(Message<Object> first, long idleMs, Consumer<Object> onData) {
    this.first = first;
    this.idleMs = idleMs;
    this.onData = onData;
    this.backend = first.headers().get(Headers.BACKEND);
  }

  /** Hands on the first message and pulls the rest (the data handler may already {@link #pause} this stream). */
  PulledStream start() {
    handle(first);
    return this;
  }

  /**
   * Hands {@code handler} the data messages that arrive after {@link #cancel} (the one in flight then), which are
   * answered with the cancel and not handed on: the router delivered them, and bills a chat stream's text in them.
   */
  PulledStream onLate(Consumer<Object> handler) {
    onLate = handler;
    return this;
  }

  /**
   * Hands {@code handler} the end message's body when the stream ended after {@link #cancel} (the end was on its way
   * when the call cancelled): the router relayed it, so it recorded the stream as served and bills it in full.
   */
  PulledStream onLateEnd(Consumer<Object> handler) {
    onLateEnd = handler;
    return this;
  }

  /** True when {@code end}, a stream's end message, says the router answered it from its exact cache. */
  static boolean cacheHit(Object end) {
    return end instanceof JsonObject j && CacheStatus.HIT.wireName().equals(j.getString(CacheStatus.FIELD));
  }

  /** The backend that serves the stream (the router's header on its first message), or null. */
  String backend() {
    return backend;
  }

  /** Completes with the end message's body; fails with the stream's error, or CANCELLED. */
  Future<Object> done() {
    return done.future();
  }

  /** True once a data message was handed on. */
  boolean delivered() {
    return delivered;
  }

  /** Holds the credit after the current message until {@link #resume}. */
  void pause() {
    paused = true;
  }

  void resume() {
    paused = false;
    if (held != null) {
      Message<Object> m = held;
      held = null;
      pull(m);
    }
  }

  /** Stops the stream: the backend is told at the next message (at once when one is held). */
  void cancel() {
    if (cancelled || done.future().isComplete()) {
      return;
    }
    cancelled = true;
    if (held != null) {
      BusStreams.cancel(held);
      held = null;
    }
    done.tryFail(new MeshException(ErrorCode.CANCELLED, "cancelled by the call"));
  }

  private void handle(Message<Object> msg) {
    if (cancelled) {
      if (BusStreams.isEnd(msg)) {
        onLateEnd.accept(msg.body());
      } else {
        onLate.accept(msg.body());
        BusStreams.cancel(msg);
      }
      return;
    }
    if (!BusStreams.isStream(msg) || BusStreams.isEnd(msg)) {
      done.tryComplete(msg.body());
      return;
    }
    delivered = true;
    try {
      onData.accept(msg.body());
    } catch (RuntimeException e) {
      // A message this call cannot use (not the stream's shape): the stream is stopped, not the call.
      cancelled = true;
      BusStreams.cancel(msg);
      done.tryFail(new MeshException(ErrorCode.INTERNAL, "unreadable stream message: " + e));
      return;
    }
    if (cancelled) {
      BusStreams.cancel(msg);
    } else if (paused) {
      held = msg;
    } else {
      pull(msg);
    }
  }

  private void pull(Message<Object> msg) {
    BusStreams.next(msg, idleMs).onComplete(ar -> {
      if (ar.succeeded()) {
        handle(ar.result());
      } else if (!cancelled) {
        done.tryFail(MeshException.from(ar.cause()));
      }
    });
  }
}
