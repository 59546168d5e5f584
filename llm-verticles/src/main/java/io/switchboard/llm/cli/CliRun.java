package io.switchboard.llm.cli;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One request's run of the configured command. The process is started and its pipes are read on worker threads;
 * every piece of stdout is handed to the {@link Sink} on the caller's context, and the reader waits for the sink to
 * take it (and, when the sink is full, to drain) before reading on, so a slow caller slows the child through its
 * stdout pipe instead of filling memory. A timer on the context kills the process tree at the timeout; a cancel
 * kills it at once. The outcome says how it ended.
 */
final class CliRun {

  /** Where stdout goes, on the caller's context. */
  interface Sink {
    void text(String piece);

    /** True when the sink wants the reader to wait; it then calls {@link #whenDrained} once it has room. */
    default boolean full() {
      return false;
    }

    default void whenDrained(Runnable resume) {
      resume.run();
    }
  }

  /** How the run ended: exit status, output cut at the byte cap, why we killed it (null if we did not). */
  record Outcome(int exitCode, boolean truncated, String stderrLine, Stop stoppedBy) {
  }

  enum Stop { TIMEOUT, CANCEL }

  private static final long STDERR_GRACE_MS = 1_000;

  private final Vertx vertx;
  private final Context context;
  private final WorkerExecutor workers;
  private final CliSettings settings;
  private final Semaphore credit = new Semaphore(0);
  private final Promise<Outcome> outcome = Promise.promise();
  private volatile CliProcess process;
  private volatile Stop stoppedBy;
  private long timer = -1;

  CliRun(Vertx vertx, Context context, WorkerExecutor workers, CliSettings settings) {
    this.vertx = vertx;
    this.context = context;
    this.workers = workers;
    this.settings = settings;
  }

  /** Starts {@code argv} with {@code prompt} on stdin; must be called on {@code context}. */
  Future<Outcome> start(List<String> argv, String prompt, long timeoutMs, Sink sink) {
    workers.<CliProcess>executeBlocking(() -> CliProcess.start(argv, settings.env()), false).onComplete(ar -> {
      if (ar.failed()) {
        String why = ar.cause() instanceof IOException io ? io.getMessage() : String.valueOf(ar.cause());
        outcome.tryFail(new MeshException(ErrorCode.UNAVAILABLE, "cannot run " + settings.name() + ": " + why));
        return;
      }
      process = ar.result();
      if (stoppedBy != null) {
        process.kill(); // cancelled while starting
        finish(-1);
        return;
      }
      timer = vertx.setTimer(timeoutMs, t -> stop(Stop.TIMEOUT));
      workers.executeBlocking(() -> {
        process.writeStdin(prompt);
        return null;
      }, false);
      Future<Void> stderr = workers.executeBlocking(() -> {
        process.drainStderr();
        return null;
      }, false);
      Future<Integer> stdout = workers.executeBlocking(() -> {
        process.readStdout(settings.maxOutputBytes(), piece -> handOver(piece, sink));
        return process.waitFor();
      }, false);
      stdout.onComplete(out -> {
        vertx.cancelTimer(timer);
        int exit = out.succeeded() ? out.result() : -1;
        // stderr normally closes with the process; a grandchild that escaped the kill may hold it open, so its tail
        // is taken as it is after a short grace rather than waited for.
        long grace = vertx.setTimer(STDERR_GRACE_MS, t -> finish(exit));
        stderr.onComplete(err -> {
          vertx.cancelTimer(grace);
          finish(exit);
        });
      });
    });
    return outcome.future();
  }

  private void finish(int exit) {
    outcome.tryComplete(new Outcome(exit, process.truncated(), process.lastStderrLine(200), stoppedBy));
  }

  /** Kills the process tree; the outcome will say why. */
  void stop(Stop why) {
    if (stoppedBy != null) {
      return;
    }
    stoppedBy = why;
    CliProcess p = process;
    if (p != null) {
      p.kill();
      // Answer now: the reader threads finish when the pipes close, which a stray grandchild could delay.
      finish(-1);
    }
    credit.release(); // a reader waiting for the sink must not wait for a drain that will not come
  }

  /** Worker thread: gives one piece to the sink on the context and waits until the sink can take more. */
  private void handOver(String piece, Sink sink) {
    if (stoppedBy != null) {
      return;
    }
    context.runOnContext(v -> {
      if (stoppedBy != null) {
        credit.release();
        return;
      }
      sink.text(piece);
      if (sink.full()) {
        sink.whenDrained(credit::release);
      } else {
        credit.release();
      }
    });
    try {
      while (!credit.tryAcquire(100, TimeUnit.MILLISECONDS)) {
        if (stoppedBy != null) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
