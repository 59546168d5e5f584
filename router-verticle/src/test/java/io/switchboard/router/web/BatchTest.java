package io.switchboard.router.web;

import io.switchboard.api.ErrorCode;
import io.switchboard.core.testkit.OnContext;
import io.switchboard.router.MeshFixture;
import io.switchboard.router.ScriptedChatBackend;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** POST /v1/batch: bounded parallelism, one result per item in order, each with its own answer or error. */
@ExtendWith(VertxExtension.class)
class BatchTest {

  private MeshFixture mesh;

  @BeforeEach
  void setUp(Vertx vertx) throws Exception {
    mesh = MeshFixture.alphaBehindWeb(vertx, new JsonObject().put("batch_max_items", 50));
  }

  private static JsonObject chat(String model, String content) {
    return new JsonObject().put("model", model)
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", content)));
  }

  private HttpResponse<Buffer> post(JsonObject body) throws Exception {
    return OnContext.start(mesh.context, () -> mesh.client.post(mesh.port, "127.0.0.1", "/v1/batch").putHeader("content-type", "application/json")
      .sendBuffer(body.toBuffer())).await(20, TimeUnit.SECONDS);
  }

  @Test
  void everyItemReportsItsOwnResultInOrder() throws Exception {
    JsonArray items = new JsonArray();
    for (int i = 0; i < 12; i++) {
      items.add(chat("m1", "item " + i));
    }
    items.add(chat("nope", "unknown model"));                       // 12: 404
    items.add(new JsonObject().put("model", "m1"));                 // 13: 400, no messages
    items.add("not an object");                                     // 14: 400
    items.add(chat("m1", "stream").put("stream", true));            // 15: 400, no streaming in a batch
    HttpResponse<Buffer> res = post(new JsonObject().put("requests", items).put("max_parallel", 3));
    assertEquals(200, res.statusCode(), res.bodyAsString());
    JsonArray data = res.bodyAsJsonObject().getJsonArray("data");
    assertEquals(16, data.size());
    for (int i = 0; i < 12; i++) {
      JsonObject r = data.getJsonObject(i);
      assertEquals(i, r.getInteger("index"));
      assertEquals(200, r.getInteger("status"));
      assertEquals("alpha", r.getString("backend"));
      assertEquals("chat.completion", r.getJsonObject("response").getString("object"));
    }
    assertEquals(404, data.getJsonObject(12).getInteger("status"));
    assertEquals("model_not_found", data.getJsonObject(12).getJsonObject("error").getString("code"));
    for (int i : List.of(13, 14, 15)) {
      assertEquals(400, data.getJsonObject(i).getInteger("status"), data.getJsonObject(i).encode());
    }
    assertTrue(data.getJsonObject(15).getJsonObject("error").getString("message").contains("streaming"));
    assertEquals(12, mesh.alpha().served.get(), "only the valid items reached the backend");
  }

  @Test
  void aFailingItemDoesNotSinkTheOthers() throws Exception {
    mesh.alpha().mode(ScriptedChatBackend.Mode.FAIL_BEFORE, ErrorCode.UPSTREAM);
    JsonArray items = new JsonArray().add(chat("m1", "a")).add(chat("m1", "b"));
    JsonArray data = post(new JsonObject().put("requests", items)).bodyAsJsonObject().getJsonArray("data");
    assertEquals(2, data.size());
    assertEquals(502, data.getJsonObject(0).getInteger("status"));
    assertEquals(502, data.getJsonObject(1).getInteger("status"));
  }

  @Test
  void badBatchesAre400() throws Exception {
    assertEquals(400, post(new JsonObject()).statusCode());
    assertEquals(400, post(new JsonObject().put("requests", "x")).statusCode());
    JsonArray tooMany = new JsonArray();
    for (int i = 0; i < 51; i++) {
      tooMany.add(chat("m1", "x"));
    }
    HttpResponse<Buffer> res = post(new JsonObject().put("requests", tooMany));
    assertEquals(400, res.statusCode());
    assertTrue(res.bodyAsJsonObject().getJsonObject("error").getString("message").contains("at most 50"));
    assertEquals(400, post(new JsonObject().put("requests", new JsonArray()).put("max_parallel", 0)).statusCode());
    assertEquals(200, post(new JsonObject().put("requests", new JsonArray())).statusCode());
  }
}
