package io.switchboard.llm.runpod;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.Health;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.backend.ChatBackend;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Chat on a RunPod serverless endpoint running a custom worker that does not speak OpenAI (for vLLM's
 * OpenAI-compatible worker use the {@code openai-compatible} adapter on {@code /openai/v1} instead). Whole answers
 * go through {@link SyncJob}, streams through {@link StreamJob}; both feed {@link ColdStart}, which is this backend's
 * health. While the endpoint is cold a heartbeat probes {@code GET /health} at most every {@code health_probe_ms}, so
 * it recovers once a worker is ready even if the router sends it nothing meanwhile.
 */
public final class RunPodBackend implements ChatBackend {

  private final Vertx vertx;
  private final RunPodSettings settings;
  private final BackendDescriptor descriptor;
  private final RunPodClient client;
  private final ColdStart cold;
  private volatile long lastProbe;

  RunPodBackend(Vertx vertx, RunPodSettings settings, BackendDescriptor descriptor) {
    this.vertx = vertx;
    this.settings = settings;
    this.descriptor = descriptor;
    // Each job needs a connection for its polls and, at the end, one for its cancel.
    this.client = new RunPodClient(vertx, settings, 2 * descriptor.concurrency() + 2);
    this.cold = new ColdStart(settings.coldAfterMs());
  }

  @Override
  public BackendDescriptor descriptor() {
    return descriptor;
  }

  @Override
  public Future<Void> stop() {
    return client.close();
  }

  @Override
  public Future<JsonObject> chat(ChatRequest request, CallContext context) {
    return new SyncJob(vertx, client, settings, cold, request, context).run();
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
