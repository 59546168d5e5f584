package io.switchboard.llm.runpod;

import io.switchboard.api.ChatChunks;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.Usage;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.runpod.JobStatus;
import io.switchboard.core.runpod.RunPodClient;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * One streamed answer: {@code POST /run}, then {@code GET /stream/{id}} every {@code stream_poll_ms}. Each poll
 * answers {@code {"status":..., "stream":[{"output":...}, ...]}} with the items produced since the last poll; each
 * item's text becomes one chunk. As RunPod's own SDK does, polling goes on until the status is terminal and a poll
 * brings no more items. Back-pressure: no poll while the pipe is full. The caller cancelling, the deadline passing
 * or a poll failing stops polling and cancels the job ({@code POST /cancel/{id}}).
 */
final class StreamJob {

  private final Vertx vertx;
  private final RunPodClient client;
  private final RunPodSettings settings;
  private final ColdStart cold;
  private final ChatRequest request;
  private final CallContext context;
  private final ChunkPipe<JsonObject> pipe = new ChunkPipe<>();
  private final long created = System.currentTimeMillis() / 1000;
  private final StringBuilder answer = new StringBuilder();
  private long submittedAt;
  private long deadlineTimer = -1;
  private long pollTimer = -1;
  private boolean done;
  private boolean first = true;
  private String jobId;
  private JobStatus last;

  StreamJob(Vertx vertx, RunPodClient client, RunPodSettings settings, ColdStart cold, ChatRequest request, CallContext context) {
    this.vertx = vertx;
    this.client = client;
    this.settings = settings;
    this.cold = cold;
    this.request = request;
    this.context = context;
  }

  ChunkPipe<JsonObject> start() {
    JsonObject input;
    try {
      input = InputTemplate.render(settings.input(), request, settings.promptFormat());
    } catch (MeshException e) {
      pipe.fail(e);
      return pipe;
    }
    pipe.cancelHandler(() -> stop("cancelled by the caller"));
    deadlineTimer = vertx.setTimer(context.remainingMs(), t -> fail(new MeshException(ErrorCode.TIMEOUT,
      client.id() + ": runpod job " + (jobId == null ? "" : jobId + " ") + "not finished before the request deadline"
        + (last == null ? "" : " (last status " + last + ")"))));
    submittedAt = System.currentTimeMillis();
    client.run(RunPodClient.body(input)).onComplete(this::onSubmitted);
    return pipe;
  }

  private void onSubmitted(AsyncResult<JsonObject> ar) {
    if (done) {
      if (ar.succeeded() && ar.result().getString("id") != null) {
        client.cancelQuietly(ar.result().getString("id"), "cancelled while /run was on its way");
      }
      return;
    }
    if (ar.failed()) {
      fail(MeshException.from(ar.cause()));
      return;
    }
    jobId = ar.result().getString("id");
    if (jobId == null) {
      fail(new MeshException(ErrorCode.UPSTREAM, client.id() + ": runpod /run answered without a job id"));
      return;
    }
    poll(0);
  }

  private void poll(long delay) {
    if (done) {
      return;
    }
    if (pipe.writeQueueFull()) {
      pipe.drainHandler(() -> poll(0));
      return;
    }
    pollTimer = vertx.setTimer(Math.max(1, delay), t -> client.stream(jobId).onComplete(this::onStream));
  }

  /** One {@code /stream} answer: its items become chunks; the job's end ends the pipe or fails it. */
  private void onStream(AsyncResult<JsonObject> ar) {
    if (!done && ar.failed()) {
      fail(MeshException.from(ar.cause()));
    }
    if (done || ar.failed()) {
      return;
    }
    JsonObject resp = ar.result();
    try {
      last = JobStatus.of(resp);
      cold.observe(last, resp, System.currentTimeMillis() - submittedAt);
      JsonArray items = resp.getJsonArray("stream", new JsonArray());
      for (int i = 0; i < items.size(); i++) {
        String text = items.getValue(i) instanceof JsonObject item ? JobOutput.text(item, settings.streamPointer()) : null;
        if (text != null && !text.isEmpty()) {
          answer.append(text);
          pipe.write(ChatChunks.delta("runpod-" + jobId, created, request.model(), text, first));
          first = false;
        }
      }
      if (!last.terminal() || !items.isEmpty()) {
        poll(last.terminal() ? 0 : settings.streamPollMs());
      } else if (last == JobStatus.COMPLETED) {
        complete();
      } else {
        failTerminal(resp);
      }
    } catch (MeshException e) {
      fail(e);
    }
  }

  private void complete() {
    if (settings.usagePointer() == null) {
      end(JobOutput.usage(new JsonObject(), null, request.estimatePromptTokens(), answer.toString()));
      return;
    }
    // The worker's usage is in the finished job object, not in the stream items.
    client.status(jobId).onComplete(ar -> end(JobOutput.usage(ar.succeeded() ? ar.result() : new JsonObject(),
      settings.usagePointer(), request.estimatePromptTokens(), answer.toString())));
  }

  private void end(Usage usage) {
    if (done) {
      return;
    }
    done = true;
    vertx.cancelTimer(deadlineTimer);
    pipe.write(ChatChunks.finish("runpod-" + jobId, created, request.model(), "stop"));
    pipe.end(new JsonObject().put("usage", usage.toJson()));
  }

  /** {@code /stream} may not carry the worker's error text; {@code /status} does. */
  private void failTerminal(JsonObject resp) {
    if (resp.containsKey("error")) {
      fail(last.failure(client.id(), jobId, resp, settings.apiKey()));
      return;
    }
    JobStatus status = last;
    client.status(jobId).onComplete(ar -> fail(status.failure(client.id(), jobId,
      ar.succeeded() ? ar.result() : new JsonObject(), settings.apiKey())));
  }

  private void fail(MeshException error) {
    if (done) {
      return;
    }
    pipe.fail(error);
    stop(error.getMessage());
  }

  private void stop(String why) {
    if (done) {
      return;
    }
    done = true;
    vertx.cancelTimer(deadlineTimer);
    vertx.cancelTimer(pollTimer);
    if (jobId != null && (last == null || !last.terminal())) {
      client.cancelQuietly(jobId, why);
    }
  }
}
