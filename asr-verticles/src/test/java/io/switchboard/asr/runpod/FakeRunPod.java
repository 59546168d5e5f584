package io.switchboard.asr.runpod;

import io.switchboard.core.testkit.FakeUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * A fake RunPod serverless queue endpoint {@code /v2/<endpoint>}: {@code POST /runsync}, {@code POST /run},
 * {@code GET /status/{id}}, {@code POST /cancel/{id}}. Submissions are answered by the test's handler; each status
 * request takes the next scripted job document (the last one repeats); every request is recorded.
 */
final class FakeRunPod implements AutoCloseable {

  /** One request the fake received. */
  record Call(String method, String path, String query, String auth, JsonObject body) {
  }

  static final String ENDPOINT = "/v2/whisper-ep";

  final BlockingQueue<Call> calls = new LinkedBlockingQueue<>();
  final BlockingQueue<String> cancels = new LinkedBlockingQueue<>();
  final Queue<Consumer<RoutingContext>> statuses = new ConcurrentLinkedQueue<>();
  volatile Consumer<RoutingContext> submit;
  private volatile Consumer<RoutingContext> lastStatus;
  private final FakeUpstream server;

  FakeRunPod(Vertx vertx) {
    server = FakeUpstream.start(vertx, router -> {
      router.route(ENDPOINT + "/*").handler(BodyHandler.create().setBodyLimit(32 << 20));
      router.post(ENDPOINT + "/runsync").handler(ctx -> record(ctx).submit.accept(ctx));
      router.post(ENDPOINT + "/run").handler(ctx -> record(ctx).submit.accept(ctx));
      router.get(ENDPOINT + "/status/:id").handler(ctx -> {
        record(ctx);
        Consumer<RoutingContext> next = statuses.poll();
        lastStatus = next != null ? next : lastStatus;
        lastStatus.accept(ctx);
      });
      router.post(ENDPOINT + "/cancel/:id").handler(ctx -> {
        record(ctx);
        cancels.add(ctx.pathParam("id"));
        ctx.json(new JsonObject().put("id", ctx.pathParam("id")).put("status", "CANCELLED"));
      });
    });
  }

  private FakeRunPod record(RoutingContext ctx) {
    JsonObject body = ctx.body().length() > 0 ? ctx.body().asJsonObject() : null;
    calls.add(new Call(ctx.request().method().name(), ctx.normalizedPath().substring(ENDPOINT.length()), ctx.request().query(),
      ctx.request().getHeader("authorization"), body));
    return this;
  }

  String url() {
    return server.url(ENDPOINT);
  }

  /** A job document answer. */
  static Consumer<RoutingContext> job(JsonObject doc) {
    return ctx -> ctx.json(doc);
  }

  static JsonObject status(String id, String status) {
    return new JsonObject().put("id", id).put("status", status);
  }

  @Override
  public void close() {
    server.close();
  }
}
