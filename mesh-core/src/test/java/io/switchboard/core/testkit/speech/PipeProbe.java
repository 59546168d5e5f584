package io.switchboard.core.testkit.speech;

import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Test consumer of a speech {@link ChunkPipe}, run on one Vert.x context as the bus sender would be. In auto mode
 * it takes every item as it is written; in manual mode it only counts what is buffered until {@link #takeAllNow()}.
 * {@link #first()} completes with the first audio read, {@link #done()} with the trailer or the failure.
 */
public final class PipeProbe {

  private final Context context;
  private final boolean auto;
  private final List<Buffer> taken = new ArrayList<>();
  private final Promise<Buffer> first = Promise.promise();
  private final Promise<JsonObject> done = Promise.promise();
  private ChunkPipe<Buffer> pipe;
  private volatile int buffered;
  private volatile int maxBuffered;

  private PipeProbe(Vertx vertx, boolean auto) {
    this.context = vertx.getOrCreateContext();
    this.auto = auto;
  }

  /** Calls {@code speak} on a Vert.x context and consumes the pipe it returns. */
  public static PipeProbe start(Vertx vertx, boolean auto, Supplier<ChunkPipe<Buffer>> speak) {
    PipeProbe probe = new PipeProbe(vertx, auto);
    probe.context.runOnContext(v -> {
      probe.pipe = speak.get();
      probe.pipe.availableHandler(probe::available);
    });
    return probe;
  }

  private void available() {
    if (pipe.hasItems()) {
      if (auto) {
        take();
      } else if (!pipe.isTerminated()) {
        // manual: each signal before the end is one write
        buffered++;
        maxBuffered = Math.max(maxBuffered, buffered);
      }
    }
    if (pipe.isTerminated() && !pipe.hasItems()) {
      if (pipe.failure() != null) {
        done.tryFail(pipe.failure());
      } else {
        done.tryComplete(pipe.trailer());
      }
    }
  }

  private void take() {
    for (Buffer b : pipe.takeAll()) {
      synchronized (taken) {
        taken.add(b);
      }
      first.tryComplete(b);
    }
    buffered = 0;
  }

  /** Manual mode: takes what is buffered now (waking a paused producer); completes with the count taken. */
  public Future<Integer> takeAllNow() {
    Promise<Integer> p = Promise.promise();
    context.runOnContext(v -> {
      int before = size();
      take();
      if (pipe.isTerminated()) {
        available();
      }
      p.complete(size() - before);
    });
    return p.future();
  }

  /** Cancels the pipe as a caller that went away would. */
  public Future<Void> cancel() {
    Promise<Void> p = Promise.promise();
    context.runOnContext(v -> {
      pipe.cancel();
      p.complete();
    });
    return p.future();
  }

  public Future<Buffer> first() {
    return first.future();
  }

  public Future<JsonObject> done() {
    return done.future();
  }

  public int maxBuffered() {
    return maxBuffered;
  }

  public int size() {
    synchronized (taken) {
      return taken.size();
    }
  }

  /** Every audio byte taken so far, in order. */
  public Buffer audio() {
    Buffer all = Buffer.buffer();
    synchronized (taken) {
      taken.forEach(all::appendBuffer);
    }
    return all;
  }
}
