package io.switchboard.llm.runpod;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.ChatChunks;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Health;
import io.switchboard.api.MeshException;
import io.switchboard.api.Usage;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.ChatBackend;
import io.switchboard.core.backend.DescribedBackend;
import io.switchboard.core.http.ErrorDialect;
import io.switchboard.core.http.Upstream;
import io.switchboard.core.http.UpstreamClient;
import io.switchboard.core.runpod.RunPodClient;
import io.switchboard.core.runpod.RunPodJob;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Chat on a RunPod serverless endpoint running a custom worker that does not speak OpenAI (for vLLM's
 * OpenAI-compatible worker use the {@code openai-compatible} adapter on {@code /openai/v1} instead), on the kit's
 * RunPod job client. Whole answers are one {@link RunPodJob} ({@code /runsync}, then {@code /status} polling), streams
 * a {@link StreamJob}; both feed {@link ColdStart}, which is this backend's health. While the endpoint is cold a
 * heartbeat probes {@code GET /health} at most every {@code health_probe_ms}, so it recovers once a worker is ready
 * even if the router sends it nothing meanwhile.
 */
public final class RunPodBackend extends DescribedBackend implements ChatBackend {

  private final Vertx vertx;
  private final RunPodSettings settings;
  private final RunPodClient client;
  private final ColdStart cold;
  private volatile long lastProbe;

  RunPodBackend(Vertx vertx, RunPodSettings settings, BackendDescriptor descriptor) {
    super(descriptor);
    this.vertx = vertx;
    this.settings = settings;
    // Each job needs a connection for its polls and, at the end, one for its cancel.
    UpstreamClient http = new UpstreamClient(vertx, new Upstream(descriptor.id(), ErrorDialect.RUNPOD, settings.apiKey()),
      settings.timeouts(), 2 * descriptor.concurrency() + 2, 16L << 20);
    this.client = new RunPodClient(http, settings.endpointUrl());
    this.cold = new ColdStart(settings.coldAfterMs());
  }

  @Override
  public Future<Void> stop() {
    return client.close();
  }

  /**
   * One whole answer. The {@code /runsync} wait is capped at {@code cold_after_ms} so a cold endpoint is noticed while
   * the job is still queued, and ends a little before the deadline so the status can still be read.
   */
  @Override
  public Future<JsonObject> chat(ChatRequest request, CallContext context) {
    JsonObject input;
    try {
      input = InputTemplate.render(settings.input(), request, settings.promptFormat());
    } catch (MeshException e) {
      return Future.failedFuture(e);
    }
    long created = System.currentTimeMillis() / 1000;
    long wait = Math.max(1_000, Math.min(Math.min(settings.runsyncWaitMs(), settings.coldAfterMs()), context.remainingMs() - 250));
    RunPodJob.Polling polling = new RunPodJob.Polling(settings.pollInitialMs(), settings.pollMaxMs());
    return RunPodJob.run(vertx, client, RunPodClient.body(input), Math.min(300_000, wait), polling, context, cold)
      .map(job -> completion(job, request, created));
  }

  private JsonObject completion(JsonObject job, ChatRequest request, long created) {
    String jobId = job.getString("id");
    String text = JobOutput.text(job, settings.outputPointer());
    if (text == null) {
      throw new MeshException(ErrorCode.UPSTREAM, descriptor().id() + ": runpod job " + jobId + " completed without output at "
        + settings.outputPointer());
    }
    Usage usage = JobOutput.usage(job, settings.usagePointer(), request.estimatePromptTokens(), text);
    return ChatChunks.completion("runpod-" + jobId, created, request.model(), text, "stop", usage);
  }

  @Override
  public ChunkPipe<JsonObject> chatStream(ChatRequest request, CallContext context) {
    return new StreamJob(vertx, client, settings, cold, request, context).start();
  }

  @Override
  public Future<Health> health() {
    long now = System.currentTimeMillis();
    if (!cold.isCold() || now - lastProbe < settings.healthProbeMs()) {
      return Future.succeededFuture(cold.health());
    }
    lastProbe = now;
    return client.health().map(h -> {
      JsonObject workers = h.getJsonObject("workers", new JsonObject());
      if (workers.getInteger("idle", 0) + workers.getInteger("ready", 0) > 0) {
        cold.workersReady();
      }
      return cold.health();
    }).otherwise(err -> cold.health());
  }
}
