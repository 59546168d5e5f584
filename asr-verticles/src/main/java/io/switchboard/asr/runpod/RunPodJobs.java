package io.switchboard.asr.runpod;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.http.CloudErrors;
import io.switchboard.asr.openai.BodyPart;
import io.switchboard.asr.openai.UpstreamHttp;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.config.Secrets;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The job lifecycle of a RunPod serverless queue endpoint ({@code https://api.runpod.ai/v2/<endpoint_id>}):
 * submit with {@code POST /runsync?wait=ms} (answers with the result when the job ends within the wait, else with
 * its id and {@code IN_QUEUE}/{@code IN_PROGRESS}) or {@code POST /run} (answers with the id at once), then
 * {@code GET /status/{id}} with growing pauses until {@code COMPLETED}, {@code FAILED}, {@code CANCELLED} or
 * {@code TIMED_OUT}. A job still running at the call's deadline, or whose status can no longer be read, is
 * cancelled with {@code POST /cancel/{id}} so it stops costing GPU time.
 */
final class RunPodJobs {

  private static final System.Logger LOG = System.getLogger(RunPodJobs.class.getName());

  /** Where and how: endpoint URL without trailing slash, key, and the polling pauses. */
  record Settings(String endpointUrl, String apiKey, long pollInitialMs, long pollMaxMs) {
  }

  private final Vertx vertx;
  private final String id;
  private final UpstreamHttp http;
  private final Settings settings;

  RunPodJobs(Vertx vertx, String id, UpstreamHttp http, Settings settings) {
    this.vertx = vertx;
    this.id = id;
    this.http = http;
    this.settings = settings;
  }

  /** Runs one job to its end; the result is the job's {@code output} object. */
  Future<JsonObject> run(List<BodyPart> body, boolean async, CallContext ctx) {
    return new Job(ctx).start(body, async);
  }

  private MultiMap headers() {
    return MultiMap.caseInsensitiveMultiMap()
      .add("authorization", "Bearer " + settings.apiKey())
      .add("content-type", "application/json")
      .add("accept", "application/json");
  }

  /** One job's state: its id once known, and whether RunPod already ended it (then there is nothing to cancel). */
  private final class Job {
    private final CallContext ctx;
    private final Promise<JsonObject> result = Promise.promise();
    private String jobId;
    private boolean ended;

    Job(CallContext ctx) {
      this.ctx = ctx;
    }

    Future<JsonObject> start(List<BodyPart> body, boolean async) {
      String url;
      var timeouts = http.timeouts();
      if (async) {
        url = settings.endpointUrl() + "/run";
      } else {
        // /runsync holds the request open up to ?wait (1 s .. 300 s); the first byte may take that long.
        long wait = Math.max(1_000, Math.min(300_000, Math.min(ctx.remainingMs(), timeouts.firstByteMs())));
        url = settings.endpointUrl() + "/runsync?wait=" + wait;
        timeouts = timeouts.withFirstByteMs(wait + timeouts.firstByteMs());
      }
      http.send(HttpMethod.POST, url, headers(), body, ctx, timeouts)
        .onSuccess(reply -> {
          if (!reply.ok()) {
            ended = true;
            result.tryFail(CloudErrors.fromResponse(id, reply.status(), reply.headers(), reply.body(), settings.apiKey()));
          } else {
            handle(reply.json(id), settings.pollInitialMs());
          }
        })
        .onFailure(this::giveUp);
      return result.future();
    }

    private void handle(JsonObject job, long nextDelayMs) {
      if (jobId == null) {
        jobId = job.getString("id");
      }
      String status = job.getString("status", "");
      switch (status) {
        case "COMPLETED" -> {
          ended = true;
          Object output = job.getValue("output");
          if (output instanceof JsonObject o && o.getValue("error") == null) {
            result.tryComplete(o);
          } else {
            String why = output instanceof JsonObject o ? String.valueOf(o.getValue("error")) : "no output object";
            result.tryFail(new MeshException(ErrorCode.UPSTREAM, id + ": runpod job " + jobId + " completed without a transcript: " + redact(why)));
          }
        }
        case "FAILED" -> {
          ended = true;
          result.tryFail(new MeshException(ErrorCode.UPSTREAM, id + ": runpod job " + jobId + " failed: " + redact(String.valueOf(job.getValue("error")))));
        }
        case "CANCELLED" -> {
          ended = true;
          result.tryFail(new MeshException(ErrorCode.UPSTREAM, id + ": runpod job " + jobId + " was cancelled upstream"));
        }
        case "TIMED_OUT" -> {
          ended = true;
          result.tryFail(new MeshException(ErrorCode.TIMEOUT, id + ": runpod job " + jobId + " timed out on the endpoint"));
        }
        case "IN_QUEUE", "IN_PROGRESS" -> poll(nextDelayMs, status);
        default -> giveUp(new MeshException(ErrorCode.UPSTREAM, id + ": runpod answered an unknown job status '" + redact(status) + "'"));
      }
    }

    private void poll(long delayMs, String lastStatus) {
      if (jobId == null) {
        giveUp(new MeshException(ErrorCode.UPSTREAM, id + ": runpod answered " + lastStatus + " without a job id"));
        return;
      }
      if (System.currentTimeMillis() + delayMs >= ctx.deadlineMs()) {
        giveUp(new MeshException(ErrorCode.TIMEOUT, id + ": runpod job " + jobId + " still " + lastStatus + " at the deadline; cancelled"));
        return;
      }
      vertx.setTimer(delayMs, t -> http.send(HttpMethod.GET, settings.endpointUrl() + "/status/" + jobId, headers(), List.of(), ctx)
        .onSuccess(reply -> {
          long next = Math.min(settings.pollMaxMs(), delayMs * 2);
          if (reply.status() == 429) {
            // Polling too fast for the endpoint's limit: wait as told and ask again.
            poll(Math.max(next, CloudErrors.retryAfterMs(reply.headers(), System.currentTimeMillis())), lastStatus);
          } else if (reply.status() == 404) {
            ended = true;
            result.tryFail(new MeshException(ErrorCode.UPSTREAM, id + ": runpod no longer knows job " + jobId));
          } else if (!reply.ok()) {
            giveUp(CloudErrors.fromResponse(id, reply.status(), reply.headers(), reply.body(), settings.apiKey()));
          } else {
            handle(reply.json(id), next);
          }
        })
        .onFailure(this::giveUp));
    }

    private void giveUp(Throwable error) {
      if (jobId == null || ended) {
        result.tryFail(error);
        return;
      }
      MeshException m = CloudErrors.transport(id, error);
      String why = m.getMessage().contains(jobId) ? m.getMessage() : m.getMessage() + " (runpod job " + jobId + " cancelled)";
      if (result.tryFail(new MeshException(m.errorCode(), why, m.param(), m.retryAfterMs()))) {
        cancel(jobId);
      }
    }
  }

  /** Best effort: the caller has its answer already, a failed cancel is only logged. */
  private void cancel(String jobId) {
    CallContext own = new CallContext(null, null, System.currentTimeMillis() + http.timeouts().connectMs() + 5_000);
    http.send(HttpMethod.POST, settings.endpointUrl() + "/cancel/" + jobId, headers(), List.of(), own).onComplete(ar -> {
      if (ar.failed() || !ar.result().ok()) {
        LOG.log(System.Logger.Level.WARNING, "{0}: could not cancel runpod job {1}: {2}", id, jobId,
          ar.failed() ? ar.cause().getMessage() : "status " + ar.result().status());
      }
    });
  }

  private String redact(String text) {
    String s = Secrets.redact(text, settings.apiKey());
    return s.length() > 400 ? s.substring(0, 400) + "..." : s;
  }
}
