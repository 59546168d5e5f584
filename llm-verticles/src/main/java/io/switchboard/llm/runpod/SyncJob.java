package io.switchboard.llm.runpod;

import io.switchboard.api.ChatChunks;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.Usage;
import io.switchboard.core.backend.CallContext;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * One whole answer: {@code POST /runsync} with a wait, and when RunPod answers before the job is done
 * ({@code IN_QUEUE}, {@code IN_PROGRESS}), {@code GET /status/{id}} with a doubling backoff until the job ends or
 * the request deadline passes; then the job is cancelled ({@code POST /cancel/{id}}) so it stops costing GPU time.
 * The wait is capped at {@code cold_after_ms} so a cold endpoint is noticed while the job is still queued.
 */
final class SyncJob {

  private static final System.Logger LOG = System.getLogger(SyncJob.class.getName());

  private final Vertx vertx;
  private final RunPodClient client;
  private final RunPodSettings settings;
  private final ColdStart cold;
  private final ChatRequest request;
  private final CallContext context;
  private final Promise<JsonObject> result = Promise.promise();
  private final long created = System.currentTimeMillis() / 1000;
  private long submittedAt;
  private long pollDelay;
  private long deadlineTimer = -1;
  private long pollTimer = -1;
  private String jobId;
  private JobStatus last;

  SyncJob(Vertx vertx, RunPodClient client, RunPodSettings settings, ColdStart cold, ChatRequest request, CallContext context) {
    this.vertx = vertx;
    this.client = client;
    this.settings = settings;
    this.cold = cold;
    this.request = request;
    this.context = context;
  }

  Future<JsonObject> run() {
    JsonObject input;
    try {
      input = InputTemplate.render(settings.input(), request, settings.promptFormat());
    } catch (MeshException e) {
      return Future.failedFuture(e);
    }
    long remaining = context.remainingMs();
    deadlineTimer = vertx.setTimer(remaining, t -> fail(new MeshException(ErrorCode.TIMEOUT,
      "runpod job " + (jobId == null ? "" : jobId + " ") + "not finished before the request deadline"
        + (last == null ? "" : " (last status " + last + ")"))));
    long wait = Math.max(1_000, Math.min(Math.min(settings.runsyncWaitMs(), settings.coldAfterMs()), remaining - 250));
    pollDelay = settings.pollInitialMs();
    submittedAt = System.currentTimeMillis();
    client.runSync(input, Math.min(300_000, wait)).onComplete(this::onJob);
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
      cold.observe(last, job, System.currentTimeMillis() - submittedAt);
      if (last == JobStatus.COMPLETED) {
        done(job);
      } else if (last.terminal()) {
        fail(last.failure(job.put("id", jobId), settings.apiKey()));
      } else if (jobId == null) {
        fail(new MeshException(ErrorCode.UPSTREAM, "runpod answered " + last + " without a job id"));
      } else {
        pollTimer = vertx.setTimer(pollDelay, t -> client.status(jobId).onComplete(this::onJob));
        pollDelay = Math.min(pollDelay * 2, settings.pollMaxMs());
      }
    } catch (MeshException e) {
      fail(e);
    }
  }

  /** The deadline passed while /runsync was still out: once its answer names the job, cancel it. */
  private void lateAnswer(AsyncResult<JsonObject> ar) {
    if (ar.succeeded() && jobId == null && ar.result().getString("id") != null
      && !List.of("COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT").contains(ar.result().getString("status"))) {
      jobId = ar.result().getString("id");
      client.cancel(jobId).onFailure(e -> LOG.log(System.Logger.Level.DEBUG, "cancel of runpod job {0} failed: {1}", jobId, e.getMessage()));
    }
  }

  private void done(JsonObject job) {
    String text = JobOutput.text(job, settings.outputPointer());
    if (text == null) {
      throw new MeshException(ErrorCode.UPSTREAM, "runpod job " + jobId + " completed without output at " + settings.outputPointer());
    }
    Usage usage = JobOutput.usage(job, settings.usagePointer(), request.estimatePromptTokens(), text);
    vertx.cancelTimer(deadlineTimer);
    result.tryComplete(ChatChunks.completion("runpod-" + jobId, created, request.model(), text, "stop", usage));
  }

  private void fail(MeshException error) {
    vertx.cancelTimer(deadlineTimer);
    vertx.cancelTimer(pollTimer);
    if (!result.tryFail(error)) {
      return;
    }
    if (jobId != null && (last == null || !last.terminal())) {
      client.cancel(jobId).onFailure(e -> LOG.log(System.Logger.Level.DEBUG, "cancel of runpod job {0} failed: {1}", jobId, e.getMessage()));
    }
  }
}
