package io.switchboard.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * One chat message as OpenAI shapes it. The original JSON is kept whole ({@link #json()}) so fields the mesh
 * does not interpret (tool calls, names, multimodal parts) pass through to OpenAI-compatible upstreams.
 */
public record ChatMessage(String role, JsonObject json) {

  public static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");

  public static ChatMessage of(String role, String content) {
    return new ChatMessage(role, new JsonObject().put("role", role).put("content", content));
  }

  /** Validates message {@code index} of a request body. */
  static ChatMessage fromJson(Object value, int index) {
    String at = "messages[" + index + "]";
    if (!(value instanceof JsonObject json)) {
      throw MeshException.invalid(at, at + " must be an object with 'role' and 'content'");
    }
    Object role = json.getValue("role");
    if (!(role instanceof String r)) {
      throw MeshException.invalid(at + ".role", at + ".role is required and must be a string");
    }
    if (!ROLES.contains(r)) {
      throw MeshException.invalid(at + ".role", at + ".role '" + r + "' is not one of system, developer, user, assistant, tool");
    }
    Object content = json.getValue("content");
    if (content == null) {
      boolean mayBeEmpty = r.equals("assistant") && (json.containsKey("tool_calls") || json.containsKey("function_call"));
      if (!mayBeEmpty) {
        throw MeshException.invalid(at + ".content", at + ".content is required for role '" + r + "'");
      }
    } else if (content instanceof JsonArray parts) {
      for (int i = 0; i < parts.size(); i++) {
        if (!(parts.getValue(i) instanceof JsonObject part) || !(part.getValue("type") instanceof String)) {
          throw MeshException.invalid(at + ".content[" + i + "]", at + ".content[" + i + "] must be an object with a 'type'");
        }
      }
    } else if (!(content instanceof String)) {
      throw MeshException.invalid(at + ".content", at + ".content must be a string or an array of content parts");
    }
    return new ChatMessage(r, json);
  }

  /** The text of the message: the string content, or its text parts joined; empty when there is none. */
  public String text() {
    Object content = json.getValue("content");
    if (content instanceof String s) {
      return s;
    }
    if (content instanceof JsonArray parts) {
      StringBuilder sb = new StringBuilder();
      for (Object p : parts) {
        if (p instanceof JsonObject part && "text".equals(part.getString("type")) && part.getValue("text") instanceof String t) {
          sb.append(t);
        }
      }
      return sb.toString();
    }
    return "";
  }
}
