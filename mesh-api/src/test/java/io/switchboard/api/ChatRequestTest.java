package io.switchboard.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What goes upstream is what the caller sent, less the mesh's own fields. */
class ChatRequestTest {

  private static JsonObject body() {
    return new JsonObject().put("model", "m").put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
  }

  @Test
  void theTokenLimitKeepsTheNameTheCallerUsed() {
    ChatRequest completion = ChatRequest.fromJson(body().put("max_completion_tokens", 64));
    assertEquals(64, completion.maxTokens());
    assertEquals(64, completion.toUpstreamJson().getInteger("max_completion_tokens"));
    assertFalse(completion.toUpstreamJson().containsKey("max_tokens"), "reasoning models refuse max_tokens");

    ChatRequest classic = ChatRequest.fromJson(body().put("max_tokens", 32));
    assertEquals(32, classic.toUpstreamJson().getInteger("max_tokens"));
    assertFalse(classic.toUpstreamJson().containsKey("max_completion_tokens"));

    ChatRequest built = new ChatRequest("m", List.of(ChatMessage.of("user", "hi")), false, 16, null, null, null, null, null, null);
    assertEquals(16, built.toUpstreamJson().getInteger("max_tokens"));
  }

  @Test
  void hintsNeverGoUpstreamAndUnknownFieldsDo() {
    JsonObject upstream = ChatRequest.fromJson(body().put("privacy", "local").put("max_cost", 0.1).put("tools", new JsonArray())
      .put("response_format", new JsonObject().put("type", "json_object"))).toUpstreamJson();
    assertFalse(upstream.containsKey("privacy"));
    assertFalse(upstream.containsKey("max_cost"));
    assertEquals(new JsonArray(), upstream.getJsonArray("tools"));
    assertEquals("json_object", upstream.getJsonObject("response_format").getString("type"));
  }

  @Test
  void aBadTokenLimitNamesTheField() {
    MeshException e = assertThrows(MeshException.class, () -> ChatRequest.fromJson(body().put("max_completion_tokens", 0)));
    assertEquals("max_completion_tokens", e.param());
  }
}
