package io.switchboard.router;

import io.switchboard.api.Addresses;
import io.switchboard.api.Headers;
import io.switchboard.api.Privacy;
import io.switchboard.api.StreamProtocol;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Privacy holds under load: with a local and a cloud backend both healthy and the cloud one preferred, a thousand
 * requests mixing {@code privacy=local}, a local-only API key ceiling and {@code any} never put a local-only request
 * on the cloud backend.
 */
@ExtendWith(VertxExtension.class)
class PrivacyRoutingTest {

  @Test
  void localOnlyRequestsNeverReachTheCloud(Vertx vertx) throws Exception {
    MeshFixture mesh = new MeshFixture(vertx).router(new JsonObject());
    ScriptedChatBackend cloud = mesh.backend("cloud", 10, Privacy.CLOUD, "m1");
    ScriptedChatBackend home = mesh.backend("home", 50, Privacy.LOCAL, "m1");
    mesh.awaitLive(2);

    int total = 1000;
    List<Future<Message<JsonObject>>> replies = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      // Three kinds of request: the body says local; the API key's ceiling says local; or anything goes.
      String kind = switch (i % 3) {
        case 0 -> "local";
        case 1 -> "key-local";
        default -> "any";
      };
      JsonObject body = new JsonObject().put("model", "m1")
        .put("privacy", kind.equals("local") ? "local" : "any")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", kind + "#" + i)));
      DeliveryOptions options = new DeliveryOptions().setSendTimeout(30_000);
      if (kind.equals("key-local")) {
        options.addHeader(Headers.KEY_PRIVACY, "local");
      }
      replies.add(vertx.eventBus().request(Addresses.CHAT, body, options));
      if (replies.size() % 100 == 0) {
        Future.all(new ArrayList<>(replies.subList(replies.size() - 100, replies.size()))).await(30, TimeUnit.SECONDS);
      }
    }
    int servedByCloud = 0;
    for (int i = 0; i < total; i++) {
      JsonObject reply = replies.get(i).await(30, TimeUnit.SECONDS).body();
      String backend = reply.getJsonObject(StreamProtocol.ROUTE).getString("backend");
      if (i % 3 == 2) {
        servedByCloud += backend.equals("cloud") ? 1 : 0;
      } else {
        assertEquals("home", backend, "request " + i + " allows local only");
      }
    }
    long leaked = cloud.seen.stream().filter(s -> !s.content().startsWith("any#")).count();
    assertEquals(0, leaked, "the cloud backend received no local-only request");
    long anyRequests = java.util.stream.IntStream.range(0, total).filter(i -> i % 3 == 2).count();
    assertEquals(anyRequests, cloud.seen.size() + home.seen.stream().filter(s -> s.content().startsWith("any#")).count(),
      "every 'any' request was served once");
    assertTrue(servedByCloud > 0, "'any' requests used the preferred cloud backend");
    assertEquals(total - anyRequests, home.seen.stream().filter(s -> !s.content().startsWith("any#")).count(),
      "every local-only request was served locally");
  }
}
