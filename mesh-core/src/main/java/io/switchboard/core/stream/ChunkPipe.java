package io.switchboard.core.stream;

import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A bounded, back-pressured pipe from a producer (an upstream SSE parser, a generation loop) to the bus stream
 * sender. The producer writes items and ends or fails the pipe; when {@link #writeQueueFull()} it should pause
 * (e.g. pause the upstream HTTP response) until its {@link #drainHandler(Runnable)} runs. The consumer takes
 * everything buffered at once, so a fast producer's items travel batched.
 *
 * <p>Not thread-safe: every call happens on the context that owns the request. Producers on worker threads hop
 * with {@code context.runOnContext}; they may read {@link #isCancelled()} from any thread.
 */
public final class ChunkPipe<T> {

  private final int highWaterMark;
  private final ArrayDeque<T> items = new ArrayDeque<>();
  private Runnable availableHandler;
  private Runnable drainHandler;
  private Runnable cancelHandler;
  private boolean ended;
  private JsonObject trailer;
  private Throwable failure;
  private volatile boolean cancelled;

  public ChunkPipe() {
    this(64);
  }

  public ChunkPipe(int highWaterMark) {
    this.highWaterMark = highWaterMark;
  }

  // ---- producer side

  /** Adds an item; ignored after end, failure or cancellation. */
  public void write(T item) {
    if (ended || failure != null || cancelled) {
      return;
    }
    items.add(item);
    signal();
  }

  public boolean writeQueueFull() {
    return items.size() >= highWaterMark;
  }

  /** Runs once when the consumer has taken the buffered items after the pipe was full. */
  public ChunkPipe<T> drainHandler(Runnable handler) {
    this.drainHandler = handler;
    return this;
  }

  /** Runs once when the consumer cancels (the caller went away): stop producing. */
  public ChunkPipe<T> cancelHandler(Runnable handler) {
    this.cancelHandler = handler;
    if (cancelled && handler != null) {
      handler.run();
    }
    return this;
  }

  /** Ends the stream cleanly; {@code trailer} (e.g. {@code {"usage":{...}}}) goes with the last message. */
  public void end(JsonObject trailer) {
    if (ended || failure != null) {
      return;
    }
    this.ended = true;
    this.trailer = trailer == null ? new JsonObject() : trailer;
    signal();
  }

  /** Ends the stream with an error, even after content: the caller never sees a clean end. */
  public void fail(Throwable error) {
    if (ended || failure != null) {
      return;
    }
    this.failure = error;
    signal();
  }

  public boolean isCancelled() {
    return cancelled;
  }

  // ---- consumer side

  /** Called whenever items, the end or a failure become available. */
  public void availableHandler(Runnable handler) {
    this.availableHandler = handler;
    if (handler != null && (hasItems() || isTerminated())) {
      handler.run();
    }
  }

  public boolean hasItems() {
    return !items.isEmpty();
  }

  /** True once ended or failed (items may still be buffered). */
  public boolean isTerminated() {
    return ended || failure != null;
  }

  public boolean isEnded() {
    return ended;
  }

  public Throwable failure() {
    return failure;
  }

  public JsonObject trailer() {
    return trailer;
  }

  /** Takes every buffered item; wakes a paused producer. */
  public List<T> takeAll() {
    boolean wasFull = writeQueueFull();
    List<T> out = new ArrayList<>(items);
    items.clear();
    if (wasFull && drainHandler != null) {
      Runnable h = drainHandler;
      drainHandler = null;
      h.run();
    }
    return out;
  }

  /** The caller went away or asked to stop. */
  public void cancel() {
    if (cancelled) {
      return;
    }
    cancelled = true;
    items.clear();
    if (cancelHandler != null) {
      cancelHandler.run();
    }
  }

  private void signal() {
    if (availableHandler != null) {
      availableHandler.run();
    }
  }
}
