package io.switchboard.llm.runpod;

import io.switchboard.api.ChatRequest;
import io.switchboard.api.MeshException;
import io.switchboard.core.backend.BackendConfig;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.Drain;
import io.switchboard.core.testkit.OnContext;
import io.switchboard.core.testkit.runpod.FakeRunPod;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.switchboard.core.testkit.Await.await;

/**
 * What every RunPod chat adapter test stands on: the kit's {@link FakeRunPod}, backends built on it from conf as the
 * provider builds them (fast polling, closed with the fixture), the request the tests send and the calls they make.
 */
final class RunPodFixture implements AutoCloseable {

  final Vertx vertx;
  final FakeRunPod fake;
  final RunPodBackend backend;
  private final List<RunPodBackend> backends = new ArrayList<>();

  private RunPodFixture(Vertx vertx) {
    this.vertx = vertx;
    this.fake = await(new FakeRunPod(vertx).start());
    this.backend = backend(new JsonObject());
  }

  static RunPodFixture start(Vertx vertx) {
    return new RunPodFixture(vertx);
  }

  /** The conf entry of backend {@code rp} on the fake, polling every 20 ms. */
  JsonObject conf() {
    return new JsonObject().put("id", "rp").put("type", "runpod-serverless").put("base_url", fake.baseUrl())
      .put("endpoint_id", FakeRunPod.ENDPOINT).put("prompt_format", "last_user").put("stream_poll_ms", 20)
      .put("poll_initial_ms", 20).put("poll_max_ms", 100);
  }

  RunPodBackend backend(JsonObject overrides) {
    return backend(overrides, FakeRunPod.KEY);
  }

  RunPodBackend backend(JsonObject overrides, String key) {
    RunPodBackend b = (RunPodBackend) new RunPodProvider().create(vertx,
      new BackendConfig(conf().mergeIn(overrides, true), Map.of("RUNPOD_API_KEY", key)));
    backends.add(b);
    return b;
  }

  static ChatRequest request(boolean stream) {
    return ChatRequest.fromJson(new JsonObject().put("model", "my-worker").put("stream", stream).put("max_tokens", 50)
      .put("temperature", 0.2).put("messages", new JsonArray()
        .add(new JsonObject().put("role", "system").put("content", "terse"))
        .add(new JsonObject().put("role", "user").put("content", "hello runpod world"))));
  }

  static CallContext ctx(long ms) {
    return new CallContext("req-1", null, System.currentTimeMillis() + ms);
  }

  Future<JsonObject> chat(RunPodBackend b, ChatRequest r, CallContext c) {
    return OnContext.start(vertx, () -> b.chat(r, c));
  }

  MeshException chatFails(RunPodBackend b, ChatRequest r, CallContext c) {
    return Await.failure(chat(b, r, c));
  }

  Drain.Drained stream(RunPodBackend b, ChatRequest r, CallContext c) {
    return await(Drain.stream(vertx, () -> b.chatStream(r, c)));
  }

  /** Waits until the fake has cancelled {@code n} jobs. */
  void cancels(int n) {
    await(fake.once(() -> fake.cancelled.size() == n));
  }

  @Override
  public void close() {
    backends.forEach(b -> await(b.stop()));
    await(fake.stop());
  }
}
