package io.switchboard.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  /** Fields OpenAI refuses are refused here, naming the field, before any upstream sees (and bills) them. */
  @Test
  void openAisRangesAndShapesAreCheckedAtTheEdge() {
    JsonObject noFunction = new JsonObject().put("type", "function");
    JsonObject goodTool = new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "get_weather")
      .put("parameters", new JsonObject().put("type", "object")));
    Map<String, JsonObject> refused = new LinkedHashMap<>();
    refused.put("tools[0].function", body().put("tools", new JsonArray().add(noFunction)));
    refused.put("tools[1].function.name", body().put("tools", new JsonArray().add(goodTool)
      .add(new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "has spaces")))));
    refused.put("tools[0].type", body().put("tools", new JsonArray().add(new JsonObject().put("type", "retrieval"))));
    refused.put("tools", body().put("tools", "get_weather"));
    refused.put("tool_choice", body().put("tool_choice", "sometimes"));
    refused.put("presence_penalty", body().put("presence_penalty", 2.5));
    refused.put("frequency_penalty", body().put("frequency_penalty", "high"));
    refused.put("logprobs", body().put("logprobs", "yes"));
    refused.put("top_logprobs", body().put("top_logprobs", 21).put("logprobs", true));
    refused.put("logit_bias", body().put("logit_bias", new JsonObject().put("50256", -101)));
    refused.put("response_format", body().put("response_format", new JsonObject().put("type", "yaml")));
    refused.put("stream_options", body().put("stream_options", new JsonObject().put("include_usage", true)));
    refused.put("user", body().put("user", 42));
    for (Map.Entry<String, JsonObject> e : refused.entrySet()) {
      MeshException m = assertThrows(MeshException.class, () -> ChatRequest.fromJson(e.getValue()), e.getValue().encode());
      assertEquals(e.getKey(), m.param(), m.getMessage());
      assertTrue(m.getMessage().contains(e.getKey()), m.getMessage());
      assertEquals(ErrorCode.INVALID_REQUEST, m.errorCode());
    }
    for (Object n : List.of(0, 129, 1.5)) {
      assertEquals("n", assertThrows(MeshException.class, () -> ChatRequest.fromJson(body().put("n", n))).param());
    }
    ChatRequest fine = ChatRequest.fromJson(body().put("n", 2).put("tools", new JsonArray().add(goodTool))
      .put("tool_choice", new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "get_weather")))
      .put("presence_penalty", -2).put("logprobs", true).put("top_logprobs", 5).put("logit_bias", new JsonObject().put("50256", -100))
      .put("stream", true).put("stream_options", new JsonObject().put("include_usage", true)).put("user", "u-1"));
    assertEquals(2, fine.toUpstreamJson().getInteger("n"));
  }
}
