package io.switchboard.llm.runpod;

import io.switchboard.api.ChatRequest;
import io.switchboard.core.backend.CallContext;
import io.switchboard.core.testkit.ChatFixture;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.core.testkit.runpod.FakeRunPod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import static io.switchboard.core.testkit.Await.await;

/** What the RunPod chat adapter tests stand on: the kit's fake, backends on it (polling fast), the request they send. */
final class RunPodFixture {

  private RunPodFixture() {
  }

  /** A fresh fake endpoint for one test, stopped after it. */
  static FakeRunPod fake(TestVertx vx) {
    return vx.forTest(await(new FakeRunPod(vx.get()).start()), FakeRunPod::stop);
  }

  /** Backends {@code rp} on {@code fake}, polling every 20 ms, built as the provider builds them. */
  static ChatFixture<RunPodBackend> backends(TestVertx vx, FakeRunPod fake) {
    JsonObject conf = new JsonObject().put("id", "rp").put("type", "runpod-serverless").put("base_url", fake.baseUrl())
      .put("endpoint_id", FakeRunPod.ENDPOINT).put("prompt_format", "last_user").put("stream_poll_ms", 20)
      .put("poll_initial_ms", 20).put("poll_max_ms", 100);
    return new ChatFixture<>(vx, new RunPodProvider(), conf, "RUNPOD_API_KEY", FakeRunPod.KEY);
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

  /** Waits until {@code fake} has cancelled {@code n} jobs. */
  static void cancels(FakeRunPod fake, int n) {
    await(fake.once(() -> fake.cancelled.size() == n));
  }
}
