package io.switchboard.llm.anthropic;

/*
 * Documented request shapes of the Anthropic Messages API covered here (no network): content blocks text, image with
 * a base64 or url source, tool_use in assistant turns, tool_result in user turns, tools with input_schema, tool_choice
 * auto / any / tool / none with disable_parallel_tool_use, metadata.user_id, top_k; and what OpenAI can say that
 * Anthropic cannot hear (n > 1, the function role, audio parts), refused with the field named.
 */

import io.switchboard.api.ChatRequest;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MessagesRequestMapperTest {

  private static ChatRequest req(JsonArray messages, JsonObject extra) {
    return ChatRequest.fromJson(new JsonObject().put("model", "claude-haiku-4-5").put("messages", messages).mergeIn(extra));
  }

  private static JsonObject msg(String role, Object content) {
    return new JsonObject().put("role", role).put("content", content);
  }

  @Test
  void imagesMapToBase64AndUrlSources() {
    JsonArray parts = new JsonArray()
      .add(new JsonObject().put("type", "text").put("text", "What is this?"))
      .add(new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", "data:image/png;base64,iVBORw0KGgo=")))
      .add(new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", "https://example.com/cat.jpg")));
    JsonObject body = MessagesRequestMapper.toMessagesBody(req(new JsonArray().add(msg("user", parts)), new JsonObject()), 100);
    JsonArray content = body.getJsonArray("messages").getJsonObject(0).getJsonArray("content");
    assertEquals(new JsonObject().put("type", "text").put("text", "What is this?"), content.getJsonObject(0));
    assertEquals(new JsonObject().put("type", "image").put("source", new JsonObject().put("type", "base64")
      .put("media_type", "image/png").put("data", "iVBORw0KGgo=")), content.getJsonObject(1));
    assertEquals(new JsonObject().put("type", "image").put("source", new JsonObject().put("type", "url")
      .put("url", "https://example.com/cat.jpg")), content.getJsonObject(2));
    assertEquals(100, body.getInteger("max_tokens"));
  }

  @Test
  void toolConversationMapsToToolUseAndToolResultBlocks() {
    JsonObject call = new JsonObject().put("id", "toolu_1").put("type", "function")
      .put("function", new JsonObject().put("name", "lookup").put("arguments", "{\"q\":\"vert.x\"}"));
    JsonArray messages = new JsonArray()
      .add(msg("user", "Look it up"))
      .add(new JsonObject().put("role", "assistant").putNull("content").put("tool_calls", new JsonArray().add(call)))
      .add(new JsonObject().put("role", "tool").put("tool_call_id", "toolu_1").put("content", "a toolkit"))
      .add(msg("user", "Thanks, and?"));
    JsonObject extra = new JsonObject().put("tool_choice", new JsonObject().put("type", "function")
        .put("function", new JsonObject().put("name", "lookup")))
      .put("parallel_tool_calls", false).put("user", "u-42").put("top_k", 5)
      .put("tools", new JsonArray().add(new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "lookup"))));
    JsonObject body = MessagesRequestMapper.toMessagesBody(req(messages, extra), 100);
    JsonArray turns = body.getJsonArray("messages");
    assertEquals(3, turns.size(), "the tool result and the next user message share one user turn");
    JsonObject toolUse = turns.getJsonObject(1).getJsonArray("content").getJsonObject(0);
    assertEquals(new JsonObject().put("type", "tool_use").put("id", "toolu_1").put("name", "lookup")
      .put("input", new JsonObject().put("q", "vert.x")), toolUse);
    JsonArray userTurn = turns.getJsonObject(2).getJsonArray("content");
    assertEquals(new JsonObject().put("type", "tool_result").put("tool_use_id", "toolu_1").put("content", "a toolkit"), userTurn.getJsonObject(0));
    assertEquals("Thanks, and?", userTurn.getJsonObject(1).getString("text"));
    assertEquals(new JsonObject().put("type", "tool").put("name", "lookup").put("disable_parallel_tool_use", true), body.getJsonObject("tool_choice"));
    assertEquals(new JsonObject().put("type", "object").put("properties", new JsonObject()),
      body.getJsonArray("tools").getJsonObject(0).getJsonObject("input_schema"));
    assertEquals("u-42", body.getJsonObject("metadata").getString("user_id"));
    assertEquals(5, body.getInteger("top_k"));
    assertFalse(body.containsKey("parallel_tool_calls"));
    assertFalse(body.containsKey("user"));
  }

  @Test
  void emptyTextIsNotSentAsABlock() {
    JsonArray messages = new JsonArray().add(msg("user", "")).add(msg("user", "real"));
    JsonArray content = MessagesRequestMapper.toMessagesBody(req(messages, new JsonObject()), 10)
      .getJsonArray("messages").getJsonObject(0).getJsonArray("content");
    assertEquals(1, content.size());
  }

  @Test
  void whatAnthropicCannotHearIsRefusedNamingTheField() {
    MeshException n = assertThrows(MeshException.class, () -> MessagesRequestMapper.toMessagesBody(
      req(new JsonArray().add(msg("user", "x")), new JsonObject().put("n", 2)), 10));
    assertEquals("n", n.param());
    assertEquals(ErrorCode.INVALID_REQUEST, n.errorCode());

    MeshException audio = assertThrows(MeshException.class, () -> MessagesRequestMapper.toMessagesBody(req(new JsonArray()
      .add(msg("user", new JsonArray().add(new JsonObject().put("type", "input_audio")))), new JsonObject()), 10));
    assertEquals("messages[0].content[0]", audio.param());
    assertTrue(audio.getMessage().contains("input_audio"));

    MeshException onlySystem = assertThrows(MeshException.class, () -> MessagesRequestMapper.toMessagesBody(
      req(new JsonArray().add(msg("system", "x")), new JsonObject()), 10));
    assertEquals("messages", onlySystem.param());

    MeshException badArgs = assertThrows(MeshException.class, () -> MessagesRequestMapper.toMessagesBody(req(new JsonArray()
      .add(msg("user", "x")).add(new JsonObject().put("role", "assistant").putNull("content").put("tool_calls", new JsonArray()
        .add(new JsonObject().put("id", "t").put("function", new JsonObject().put("name", "f").put("arguments", "not json"))))),
      new JsonObject()), 10));
    assertEquals("messages[1].tool_calls[0].function.arguments", badArgs.param());
  }
}
