package io.switchboard.llm.anthropic;

import io.switchboard.api.ChatMessage;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.MeshException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Translates an OpenAI-shaped {@link ChatRequest} into an Anthropic Messages API body ({@code POST /v1/messages}).
 *
 * <p>What changes shape: system and developer messages become the top-level {@code system}; tool results become
 * {@code tool_result} blocks of a user turn; assistant tool calls become {@code tool_use} blocks; consecutive turns
 * of one role are merged so user and assistant alternate; {@code max_tokens} is always sent (Anthropic requires it);
 * {@code stop} becomes {@code stop_sequences}; {@code temperature} is capped at 1, Anthropic's maximum (OpenAI allows 2);
 * OpenAI tools, {@code tool_choice}, {@code parallel_tool_calls}, {@code user} and {@code top_k} map to their
 * Anthropic forms. {@code seed}, {@code response_format} and other OpenAI-only knobs have no Anthropic counterpart and
 * are not sent; {@code n > 1} cannot be honoured and is refused.
 */
final class MessagesRequestMapper {

  private MessagesRequestMapper() {
  }

  static JsonObject toMessagesBody(ChatRequest request, int defaultMaxTokens) {
    JsonObject body = new JsonObject()
      .put("model", request.model())
      .put("max_tokens", request.maxTokens() != null ? request.maxTokens() : defaultMaxTokens);
    List<String> system = new ArrayList<>();
    JsonArray turns = new JsonArray();
    List<ChatMessage> messages = request.messages();
    for (int i = 0; i < messages.size(); i++) {
      ChatMessage m = messages.get(i);
      switch (m.role()) {
        case "system", "developer" -> {
          if (!m.text().isEmpty()) {
            system.add(m.text());
          }
        }
        case "user" -> append(turns, "user", userBlocks(m, i));
        case "tool" -> append(turns, "user", List.of(toolResult(m, i)));
        case "assistant" -> append(turns, "assistant", assistantBlocks(m, i));
        default -> throw MeshException.invalid("messages[" + i + "].role",
          "role '" + m.role() + "' is not supported by anthropic (use tools and role 'tool')");
      }
    }
    if (turns.isEmpty()) {
      throw MeshException.invalid("messages", "anthropic needs at least one user or assistant message besides the system prompt");
    }
    body.put("messages", turns);
    if (!system.isEmpty()) {
      body.put("system", String.join("\n\n", system));
    }
    if (!request.stop().isEmpty()) {
      body.put("stop_sequences", new JsonArray(new ArrayList<>(request.stop())));
    }
    if (request.temperature() != null) {
      body.put("temperature", Math.min(1.0, request.temperature()));
    }
    if (request.topP() != null) {
      body.put("top_p", request.topP());
    }
    if (request.stream()) {
      body.put("stream", true);
    }
    mapExtras(request.extra(), body);
    return body;
  }

  /** Adds blocks to the last turn when it has the same role, so roles alternate as Anthropic expects. */
  private static void append(JsonArray turns, String role, List<JsonObject> blocks) {
    if (blocks.isEmpty()) {
      return;
    }
    JsonObject last = turns.isEmpty() ? null : turns.getJsonObject(turns.size() - 1);
    if (last != null && role.equals(last.getString("role"))) {
      blocks.forEach(last.getJsonArray("content")::add);
    } else {
      turns.add(new JsonObject().put("role", role).put("content", new JsonArray(new ArrayList<>(blocks))));
    }
  }

  private static List<JsonObject> userBlocks(ChatMessage m, int index) {
    Object content = m.json().getValue("content");
    List<JsonObject> out = new ArrayList<>();
    if (content instanceof String s) {
      addText(out, s);
    } else if (content instanceof JsonArray parts) {
      for (int j = 0; j < parts.size(); j++) {
        out.addAll(part(parts.getJsonObject(j), "messages[" + index + "].content[" + j + "]"));
      }
    }
    return out;
  }

  private static List<JsonObject> part(JsonObject part, String at) {
    String type = part.getString("type");
    return switch (type) {
      case "text" -> {
        List<JsonObject> out = new ArrayList<>();
        addText(out, part.getValue("text") instanceof String s ? s : "");
        yield out;
      }
      case "image_url" -> List.of(image(part, at));
      default -> throw MeshException.invalid(at, at + ": content part type '" + type + "' is not supported by anthropic");
    };
  }

  /** OpenAI's {@code image_url} part: a data URL becomes a base64 source, an http(s) URL a url source. */
  private static JsonObject image(JsonObject part, String at) {
    Object img = part.getValue("image_url");
    String url = img instanceof JsonObject o ? o.getString("url") : img instanceof String s ? s : null;
    if (url == null) {
      throw MeshException.invalid(at, at + ": image_url.url is required");
    }
    JsonObject source;
    if (url.startsWith("data:")) {
      int semi = url.indexOf(";base64,");
      if (semi < 0) {
        throw MeshException.invalid(at, at + ": only base64 data URLs are supported (data:<type>;base64,<data>)");
      }
      source = new JsonObject().put("type", "base64").put("media_type", url.substring(5, semi))
        .put("data", url.substring(semi + ";base64,".length()));
    } else if (url.startsWith("https://") || url.startsWith("http://")) {
      source = new JsonObject().put("type", "url").put("url", url);
    } else {
      throw MeshException.invalid(at, at + ": image_url.url must be an http(s) or data URL");
    }
    return new JsonObject().put("type", "image").put("source", source);
  }

  private static JsonObject toolResult(ChatMessage m, int index) {
    String id = m.json().getString("tool_call_id");
    if (id == null || id.isBlank()) {
      throw MeshException.invalid("messages[" + index + "].tool_call_id", "messages[" + index + "]: a tool message needs 'tool_call_id'");
    }
    return new JsonObject().put("type", "tool_result").put("tool_use_id", id).put("content", m.text());
  }

  private static List<JsonObject> assistantBlocks(ChatMessage m, int index) {
    List<JsonObject> out = new ArrayList<>();
    addText(out, m.text());
    JsonArray calls = m.json().getJsonArray("tool_calls");
    if (calls != null) {
      for (int j = 0; j < calls.size(); j++) {
        String at = "messages[" + index + "].tool_calls[" + j + "]";
        JsonObject call = calls.getJsonObject(j);
        JsonObject fn = call == null ? null : call.getJsonObject("function");
        if (fn == null || fn.getString("name") == null || call.getString("id") == null) {
          throw MeshException.invalid(at, at + " must have 'id' and 'function.name'");
        }
        out.add(new JsonObject().put("type", "tool_use").put("id", call.getString("id")).put("name", fn.getString("name"))
          .put("input", arguments(fn.getString("arguments"), at)));
      }
    }
    return out;
  }

  private static JsonObject arguments(String json, String at) {
    if (json == null || json.isBlank()) {
      return new JsonObject();
    }
    try {
      return new JsonObject(json);
    } catch (DecodeException | ClassCastException e) {
      throw MeshException.invalid(at + ".function.arguments", at + ".function.arguments must be a JSON object");
    }
  }

  /** Anthropic refuses empty text blocks, so empty strings are dropped rather than sent. */
  private static void addText(List<JsonObject> out, String text) {
    if (text != null && !text.isEmpty()) {
      out.add(new JsonObject().put("type", "text").put("text", text));
    }
  }

  private static void mapExtras(JsonObject extra, JsonObject body) {
    Object n = extra.getValue("n");
    if (n instanceof Number num && num.intValue() > 1) {
      throw MeshException.invalid("n", "anthropic returns one choice per request; 'n' must be 1");
    }
    JsonArray tools = extra.getJsonArray("tools");
    if (tools != null && !tools.isEmpty()) {
      body.put("tools", tools(tools));
    }
    JsonObject choice = toolChoice(extra.getValue("tool_choice"));
    if (Boolean.FALSE.equals(extra.getValue("parallel_tool_calls"))) {
      choice = (choice == null ? new JsonObject().put("type", "auto") : choice).put("disable_parallel_tool_use", true);
    }
    if (choice != null && body.containsKey("tools")) {
      body.put("tool_choice", choice);
    }
    if (extra.getValue("user") instanceof String user) {
      body.put("metadata", new JsonObject().put("user_id", user));
    }
    if (extra.getValue("top_k") instanceof Number k) {
      body.put("top_k", k.intValue());
    }
  }

  private static JsonArray tools(JsonArray tools) {
    JsonArray out = new JsonArray();
    for (int i = 0; i < tools.size(); i++) {
      JsonObject tool = tools.getValue(i) instanceof JsonObject o ? o : null;
      JsonObject fn = tool == null ? null : tool.getJsonObject("function");
      if (fn == null || !(fn.getValue("name") instanceof String name)) {
        throw MeshException.invalid("tools[" + i + "]", "tools[" + i + "] must be {\"type\":\"function\",\"function\":{\"name\":...}}");
      }
      JsonObject t = new JsonObject().put("name", name)
        .put("input_schema", fn.getJsonObject("parameters", new JsonObject().put("type", "object").put("properties", new JsonObject())));
      if (fn.getValue("description") instanceof String d) {
        t.put("description", d);
      }
      out.add(t);
    }
    return out;
  }

  private static JsonObject toolChoice(Object choice) {
    if (choice instanceof String s) {
      return switch (s) {
        case "auto" -> new JsonObject().put("type", "auto");
        case "required" -> new JsonObject().put("type", "any");
        case "none" -> new JsonObject().put("type", "none");
        default -> throw MeshException.invalid("tool_choice", "tool_choice must be none, auto, required or a function");
      };
    }
    if (choice instanceof JsonObject o) {
      JsonObject fn = o.getJsonObject("function");
      if (fn == null || fn.getString("name") == null) {
        throw MeshException.invalid("tool_choice", "tool_choice must be {\"type\":\"function\",\"function\":{\"name\":...}}");
      }
      return new JsonObject().put("type", "tool").put("name", fn.getString("name"));
    }
    return null;
  }
}
