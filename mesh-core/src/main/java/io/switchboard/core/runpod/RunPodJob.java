package io.switchboard.core.runpod;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.http.BodyPart;
import io.switchboard.core.http.Contexts;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * One RunPod job run to its end: submitted with {@code POST /runsync?wait=ms} (answers the finished job, or its id
 * and {@code IN_QUEUE}/{@code IN_PROGRESS} when the wait runs out) or {@code POST /run} (answers the id at once),
 * then {@code GET /status/{id}} with pauses that double up to a maximum until {@code COMPLETED}, {@code FAILED},
 * {@code CANCELLED} or {@code TIMED_OUT}. A 429 while polling is waited out as told. A job still running when the
 * request's deadline comes, or whose status can no longer be read, is cancelled ({@code POST /cancel/{id}}) so it
 * stops costing GPU time, also when the submission answers only after the caller gave up.
 *
 * <p>The result is the {@code COMPLETED} job document; what its {@code output} means is the backend's to read.
 * Runs on the context that called {@link #run}, or one made for it.
 */
public final class RunPodJob {

  /** The pauses between two status reads: the first, and the most they double to. */
  public record Polling(long initialMs, long maxMs) {
  }

  /** Sees every job document RunPod answers ({@code elapsedMs} after submission), e.g. to notice cold starts. */
  @FunctionalInterface
  public interface Observer {
    Observer NONE = (status, job, elapsedMs) -> { };

    void observe(JobStatus status, JsonObject job, long elapsedMs);
  }

  private final Vertx vertx;
  private final RunPodClient client;
  private final Polling polling;
  private final CallContext ctx;
  private final Observer observer;
  private final Promise<JsonObject> result = Promise.promise();
  private long submittedAt;
  private long delay;
  private long deadlineTimer = -1;
  private long pollTimer = -1;
  private String jobId;
  private JobStatus last;

  private RunPodJob(Vertx vertx, RunPodClient client, Polling polling, CallContext ctx, Observer observer) {
    this.vertx = vertx;
    this.client = client;
    this.polling = polling;
    this.ctx = ctx;
    this.observer = observer;
  }

  /**
   * Runs one job with {@code body} ({@code {"input": ...}}): through {@code /runsync} holding up to
   * {@code runsyncWaitMs}, or through {@code /run} when that is 0.
   */
  public static Future<JsonObject> run(Vertx vertx, RunPodClient client, List<BodyPart> body, long runsyncWaitMs, Polling polling,
                                       CallContext ctx, Observer observer) {
    return new RunPodJob(vertx, client, polling, ctx, observer).start(body, runsyncWaitMs);
  }

  private Future<JsonObject> start(List<BodyPart> body, long runsyncWaitMs) {
    // One context for the job's calls, timers and state (the caller's, or one made for it).
    Contexts.onContext(vertx, () -> {
      delay = polling.initialMs();
      submittedAt = System.currentTimeMillis();
      deadlineTimer = vertx.setTimer(ctx.remainingMs(), t -> fail(atDeadline()));
      (runsyncWaitMs > 0 ? client.runSync(body, runsyncWaitMs) : client.run(body)).onComplete(this::onJob);
    });
    return result.future();
  }

  private void onJob(AsyncResult<JsonObject> ar) {
    if (result.future().isComplete()) {
      lateAnswer(ar);
      return;
    }
    if (ar.failed()) {
      fail(MeshException.from(ar.cause()));
      return;
    }
    JsonObject job = ar.result();
    try {
      jobId = job.getString("id", jobId);
      last = JobStatus.of(job);
      observer.observe(last, job, System.currentTimeMillis() - submittedAt);
    } catch (MeshException e) {
      fail(new MeshException(e.errorCode(), client.id() + ": " + e.getMessage()));
      return;
    }
    if (last == JobStatus.COMPLETED) {
      vertx.cancelTimer(deadlineTimer);
      result.tryComplete(job);
    } else if (last.terminal()) {
      fail(last.failure(client.id(), jobId, job, client.apiKey()));
    } else if (jobId == null) {
      fail(new MeshException(ErrorCode.UPSTREAM, client.id() + ": runpod answered " + last + " without a job id"));
    } else {
      poll(delay);
    }
  }

  private void poll(long wait) {
    if (System.currentTimeMillis() + wait >= ctx.deadlineMs()) {
      fail(atDeadline()); // no status read could come back in time
      return;
    }
    delay = Math.min(polling.maxMs(), Math.max(delay, wait) * 2);
    pollTimer = vertx.setTimer(Math.max(1, wait), t -> client.status(jobId).onComplete(ar -> {
      if (ar.failed() && ar.cause() instanceof MeshException m && m.errorCode() == ErrorCode.RATE_LIMITED
        && !result.future().isComplete()) {
        poll(Math.max(wait, m.retryAfterMs())); // polling faster than the endpoint's limit: wait as told, ask again
      } else {
        onJob(ar);
      }
    }));
  }

  private MeshException atDeadline() {
    return new MeshException(ErrorCode.TIMEOUT, jobId == null
      ? client.id() + ": runpod job not submitted before the request deadline"
      : client.id() + ": runpod job " + jobId + " still " + last + " at the request deadline; cancelled");
  }

  /** The caller gave up while the submission was on its way: once its answer names a running job, cancel it. */
  private void lateAnswer(AsyncResult<JsonObject> ar) {
    if (jobId == null && ar.succeeded() && ar.result().getString("id") != null) {
      String late = ar.result().getString("id");
      try {
        if (!JobStatus.of(ar.result()).terminal()) {
          client.cancelQuietly(late, "the caller gave up before the job was submitted");
        }
      } catch (MeshException unreadable) {
        client.cancelQuietly(late, "the caller gave up before the job was submitted");
      }
    }
  }

  private void fail(MeshException error) {
    vertx.cancelTimer(deadlineTimer);
    vertx.cancelTimer(pollTimer);
    if (result.tryFail(error) && jobId != null && (last == null || !last.terminal())) {
      client.cancelQuietly(jobId, error.getMessage());
    }
  }
}
