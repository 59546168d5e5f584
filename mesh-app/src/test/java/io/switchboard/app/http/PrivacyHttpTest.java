package io.switchboard.app.http;

import io.switchboard.core.testkit.openai.Behaviour;
import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.core.testkit.openai.RecordedRequest;
import io.switchboard.core.testkit.TestVertx;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Privacy end to end over HTTP: {@code openai-compatible} chat backends on fakes, some declared
 * {@code privacy: local} and one {@code privacy: cloud} (preferred by priority). Requests that allow only
 * {@code local} (body field or {@code x-switchboard-privacy} header, streamed or not, concurrent) never reach the
 * cloud fake, even when the local backend fails; requests that allow {@code any} do go to the cloud.
 */
class PrivacyHttpTest {

  static final String MARKER = "LOCAL-ONLY-7f3a9c";
  static final int REQUESTS = 200;
  static final int BATCH = 20;

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  static final Vertx vertx = vx.get();
  static FakeOpenAiServer cloud;
  static FakeOpenAiServer local;
  static FakeOpenAiServer broken;
  static HttpTestNode node;

  @BeforeAll
  static void start() throws Exception {
    cloud = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS);
    local = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS);
    broken = FakeOpenAiServer.start(vertx).await(10, TimeUnit.SECONDS);
    JsonArray backends = new JsonArray()
      .add(backend("cloud-llm", cloud, "cloud", 10, "gpt-4o-mini", "gpt-4o-mini-private"))
      .add(backend("local-llm", local, "local", 20, "gpt-4o-mini"))
      .add(backend("local-broken", broken, "local", 20, "gpt-4o-mini-private"));
    node = HttpTestNode.start(vertx, backends, new JsonObject(), Map.of("CLOUD_KEY", "sk-cloud-0000000000000000", "LOCAL_KEY", "sk-local-000000000000"));
  }

  private static JsonObject backend(String id, FakeOpenAiServer fake, String privacy, int priority, String... models) {
    return new JsonObject().put("id", id).put("type", "openai-compatible").put("base_url", fake.baseUrl())
      .put("api_key_env", id.startsWith("cloud") ? "CLOUD_KEY" : "LOCAL_KEY").put("capabilities", new JsonArray().add("chat"))
      .put("privacy", privacy).put("priority", priority).put("models", new JsonArray(List.of((Object[]) models)))
      .put("timeouts", new JsonObject().put("connect_ms", 1000).put("first_byte_ms", 5000).put("idle_ms", 5000));
  }

  /** Request {@code i}: local-only (body or header) or any (body or header), every third one streamed. */
  private static Future<HttpResponse<Buffer>> send(int i, boolean localOnly) {
    return send(i, localOnly, "gpt-4o-mini");
  }

  private static Future<HttpResponse<Buffer>> send(int i, boolean localOnly, String model) {
    boolean inHeader = i % 2 == 1;
    String content = (localOnly ? MARKER : "ANY") + " request " + i + ": summarise my medical record.";
    JsonObject body = new JsonObject().put("model", model).put("stream", i % 3 == 0)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", content)));
    HttpRequest<Buffer> req = node.post("/v1/chat/completions").putHeader("content-type", "application/json");
    String privacy = localOnly ? "local" : "any";
    if (inHeader) {
      req.putHeader("x-switchboard-privacy", privacy);
    } else {
      body.put("privacy", privacy);
    }
    return node.onContext(() -> req.sendBuffer(body.toBuffer()));
  }

  private static boolean localOnly(int i) {
    return i % 4 < 2;
  }

  private static long carrying(FakeOpenAiServer fake, String text) {
    return fake.requests().stream().map(RecordedRequest::rawBody).filter(b -> b.contains(text)).count();
  }

  @Test
  void localOnlyRequestsNeverReachTheCloud() throws Exception {
    int localCount = 0;
    for (int from = 0; from < REQUESTS; from += BATCH) {
      List<Future<HttpResponse<Buffer>>> batch = new ArrayList<>();
      for (int i = from; i < from + BATCH; i++) {
        batch.add(send(i, localOnly(i)));
        localCount += localOnly(i) ? 1 : 0;
      }
      Future.all(batch).await(HttpTestNode.WAIT_S, TimeUnit.SECONDS);
      for (int k = 0; k < batch.size(); k++) {
        HttpResponse<Buffer> res = batch.get(k).result();
        int i = from + k;
        assertEquals(200, res.statusCode(), "request " + i + ": " + res.bodyAsString());
        if (localOnly(i)) {
          assertEquals("local-llm", res.getHeader("x-switchboard-backend"), "request " + i);
        }
      }
    }
    assertEquals(0, carrying(cloud, MARKER), "a local-only request reached the cloud backend");
    assertEquals(localCount, carrying(local, MARKER), "every local-only request was served locally, once");
    long anyCount = REQUESTS - localCount;
    long anyOnCloud = carrying(cloud, "ANY request");
    assertTrue(anyOnCloud > 0, "requests allowing any did go to the preferred cloud backend: the test can tell the two apart");
    assertEquals(anyCount, anyOnCloud + carrying(local, "ANY request"), "every request allowing any was served once");
    assertEquals(0, cloud.requests().stream().filter(r -> r.body() != null && r.body().containsKey("privacy")).count(),
      "the privacy field itself never goes upstream");
  }

  /** On a model of its own, so the breaker this opens touches no other test. */
  @Test
  void aFailingLocalBackendDoesNotSendLocalOnlyRequestsToTheCloud() throws Exception {
    String model = "gpt-4o-mini-private";
    broken.setDefault(Behaviour.error(503, "overloaded"));
    List<HttpResponse<Buffer>> failed = new ArrayList<>();
    List<Future<HttpResponse<Buffer>>> batch = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      batch.add(send(i, true, model));
    }
    Future.all(batch).await(HttpTestNode.WAIT_S, TimeUnit.SECONDS);
    batch.forEach(f -> failed.add(f.result()));
    broken.setDefault(Behaviour.refuse());
    for (int i = 12; i < 16; i++) {
      failed.add(send(i, true, model).await(HttpTestNode.WAIT_S, TimeUnit.SECONDS));
    }
    for (HttpResponse<Buffer> res : failed) {
      assertTrue(res.statusCode() >= 500, "no local backend left: an error, not the cloud: " + res.statusCode() + " " + res.bodyAsString());
      assertTrue(res.bodyAsJsonObject().containsKey("error"), res.bodyAsString());
    }
    assertTrue(carrying(broken, MARKER) > 0, "the local backend was tried");
    assertEquals(0, cloud.requests().stream().filter(r -> r.rawBody().contains(model)).count(),
      "a local-only request fell over to the cloud backend");
  }
}
