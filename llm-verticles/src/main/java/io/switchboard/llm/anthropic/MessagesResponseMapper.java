package io.switchboard.llm.anthropic;

import io.switchboard.api.Usage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Turns an Anthropic {@code message} object into OpenAI's {@code chat.completion}: text blocks joined into the
 * content, {@code tool_use} blocks into {@code tool_calls}, the stop reason into a finish reason, and usage into
 * prompt/completion tokens. Thinking blocks are Anthropic-only and are not passed on.
 */
final class MessagesResponseMapper {

  private MessagesResponseMapper() {
  }

  static JsonObject toChatCompletion(JsonObject message, String requestedModel, long created) {
    StringBuilder text = new StringBuilder();
    JsonArray toolCalls = new JsonArray();
    JsonArray content = message.getJsonArray("content", new JsonArray());
    for (int i = 0; i < content.size(); i++) {
      if (!(content.getValue(i) instanceof JsonObject block)) {
        continue;
      }
      switch (block.getString("type", "")) {
        case "text" -> text.append(block.getString("text", ""));
        case "tool_use" -> toolCalls.add(new JsonObject()
          .put("id", block.getString("id"))
          .put("type", "function")
          .put("function", new JsonObject()
            .put("name", block.getString("name"))
            .put("arguments", block.getJsonObject("input", new JsonObject()).encode())));
        default -> {
          // thinking, redacted_thinking, server tool blocks: no OpenAI counterpart
        }
      }
    }
    JsonObject msg = new JsonObject().put("role", "assistant")
      .put("content", text.isEmpty() && !toolCalls.isEmpty() ? null : text.toString());
    if (!toolCalls.isEmpty()) {
      msg.put("tool_calls", toolCalls);
    }
    Usage usage = usage(message.getJsonObject("usage"));
    return new JsonObject()
      .put("id", message.getString("id", "msg_unknown"))
      .put("object", "chat.completion")
      .put("created", created)
      .put("model", message.getString("model", requestedModel))
      .put("choices", new JsonArray().add(new JsonObject()
        .put("index", 0)
        .put("message", msg)
        .put("finish_reason", finishReason(message.getString("stop_reason")))))
      .put("usage", usage.toJson());
  }

  /** Anthropic stop reasons as OpenAI finish reasons; an unknown or missing reason counts as a normal stop. */
  static String finishReason(String stopReason) {
    return switch (stopReason == null ? "" : stopReason) {
      case "max_tokens", "model_context_window_exceeded" -> "length";
      case "tool_use" -> "tool_calls";
      case "refusal" -> "content_filter";
      default -> "stop"; // end_turn, stop_sequence, pause_turn
    };
  }

  /**
   * Anthropic counts cached input apart from {@code input_tokens}; OpenAI's prompt tokens are all the input, so
   * cache writes and reads are added back.
   */
  static Usage usage(JsonObject u) {
    if (u == null) {
      return Usage.ZERO;
    }
    long prompt = num(u, "input_tokens") + num(u, "cache_creation_input_tokens") + num(u, "cache_read_input_tokens");
    return new Usage(prompt, num(u, "output_tokens"));
  }

  static long num(JsonObject o, String field) {
    return o.getValue(field) instanceof Number n ? n.longValue() : 0;
  }
}
