package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.Privacy;
import io.switchboard.api.StreamProtocol;
import io.switchboard.core.testkit.OnContext;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A backend's {@code limits} from conf: a request over its rpm moves to the next candidate, with the reason in the
 * route; when no candidate is left the caller gets 429 with a Retry-After (over HTTP, the header).
 */
@ExtendWith(VertxExtension.class)
class LimitsRoutingTest {

  private static JsonObject chat() {
    return new JsonObject().put("model", "m1")
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
  }

  @Test
  void overTheLimitMovesOnThenAnswers429(Vertx vertx) throws Exception {
    MeshFixture mesh = new MeshFixture(vertx).router(new JsonObject().put("backends", new JsonArray()
      .add(new JsonObject().put("id", "capped").put("type", "scripted").put("limits", new JsonObject().put("rpm", 5)))));
    ScriptedChatBackend capped = mesh.backend("capped", 10, Privacy.CLOUD, "m1");
    mesh.backend("spare", 20, Privacy.CLOUD, "m1");
    mesh.web(new JsonObject());
    mesh.awaitLive(2);

    for (int i = 0; i < 5; i++) {
      JsonObject route = vertx.eventBus().<JsonObject>request(Addresses.CHAT, chat()).await(10, TimeUnit.SECONDS).body()
        .getJsonObject(StreamProtocol.ROUTE);
      assertEquals("capped", route.getString("backend"));
    }
    JsonObject route = vertx.eventBus().<JsonObject>request(Addresses.CHAT, chat()).await(10, TimeUnit.SECONDS).body()
      .getJsonObject(StreamProtocol.ROUTE);
    assertEquals("spare", route.getString("backend"));
    String reason = route.getJsonArray("skipped").getJsonObject(0).getString("reason");
    assertTrue(reason.startsWith("rpm limit 5/min reached"), reason);
    assertEquals(5, capped.served.get());

    HttpResponse<Buffer> res = OnContext.start(vertx, () -> WebClient.create(vertx).post(mesh.port, "127.0.0.1", "/v1/chat/completions")
      .sendJsonObject(chat().put("provider", "capped"))).await(10, TimeUnit.SECONDS);
    assertEquals(429, res.statusCode(), res.bodyAsString());
    assertNotNull(res.getHeader("retry-after"));
    assertTrue(Long.parseLong(res.getHeader("retry-after")) >= 1 && Long.parseLong(res.getHeader("retry-after")) <= 60);
    assertEquals("rate_limit_exceeded", res.bodyAsJsonObject().getJsonObject("error").getString("code"));
    assertEquals(5, capped.served.get(), "nothing beyond its limit reached the backend");

    JsonObject status = mesh.status("capped");
    assertEquals(5, status.getJsonObject("limits").getLong("rpm"));
    assertEquals(5, status.getJsonObject("usage").getLong("rpm"), "the window's count, cluster-wide");
  }
}
