package io.switchboard.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * The OpenAI chat fields the mesh does not interpret but passes upstream ({@code n}, {@code tools},
 * {@code tool_choice}, penalties, {@code logprobs}, {@code logit_bias}, {@code response_format}, ...), checked against
 * OpenAI's documented types and ranges so that a request OpenAI would refuse is refused at the edge with a 400 naming
 * the field, before it reaches (and is billed by) any upstream. Fields not named here pass unchecked: providers add
 * their own.
 */
final class ChatOptions {

  private static final Pattern FUNCTION_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
  private static final Set<String> TOOL_CHOICES = Set.of("none", "auto", "required");
  private static final Set<String> RESPONSE_FORMATS = Set.of("text", "json_object", "json_schema");

  private ChatOptions() {
  }

  /** Throws {@link MeshException} (400, the field as {@code param}) for the first field OpenAI would refuse. */
  static void validate(JsonObject body) {
    integer(body, "n", 1, 128);
    number(body, "presence_penalty", -2, 2);
    number(body, "frequency_penalty", -2, 2);
    bool(body, "logprobs");
    bool(body, "parallel_tool_calls");
    integer(body, "top_logprobs", 0, 20);
    if (body.getValue("top_logprobs") != null && !Boolean.TRUE.equals(body.getValue("logprobs"))) {
      throw MeshException.invalid("top_logprobs", "'top_logprobs' needs 'logprobs': true");
    }
    string(body, "user");
    tools(body.getValue("tools"));
    toolChoice(body.getValue("tool_choice"));
    logitBias(body.getValue("logit_bias"));
    responseFormat(body.getValue("response_format"));
    Object options = body.getValue("stream_options");
    if (options != null) {
      if (!(options instanceof JsonObject)) {
        throw MeshException.invalid("stream_options", "'stream_options' must be an object");
      }
      if (!Boolean.TRUE.equals(body.getValue("stream"))) {
        throw MeshException.invalid("stream_options", "'stream_options' is only allowed when 'stream' is true");
      }
    }
  }

  private static void tools(Object v) {
    if (v == null) {
      return;
    }
    if (!(v instanceof JsonArray tools) || tools.size() > 128) {
      throw MeshException.invalid("tools", "'tools' must be an array of at most 128 tools");
    }
    for (int i = 0; i < tools.size(); i++) {
      String at = "tools[" + i + "]";
      if (!(tools.getValue(i) instanceof JsonObject tool)) {
        throw MeshException.invalid(at, at + " must be an object with 'type' and 'function'");
      }
      Object type = tool.getValue("type");
      if ("custom".equals(type)) {
        if (!(tool.getValue("custom") instanceof JsonObject custom) || !(custom.getValue("name") instanceof String)) {
          throw MeshException.invalid(at + ".custom", at + ".custom must be an object with a 'name'");
        }
        continue;
      }
      if (!"function".equals(type)) {
        throw MeshException.invalid(at + ".type", at + ".type must be 'function' (or 'custom')");
      }
      if (!(tool.getValue("function") instanceof JsonObject function)) {
        throw MeshException.invalid(at + ".function", at + ".function is required: an object with a 'name'");
      }
      if (!(function.getValue("name") instanceof String name) || !FUNCTION_NAME.matcher(name).matches()) {
        throw MeshException.invalid(at + ".function.name",
          at + ".function.name is required: 1 to 64 letters, digits, underscores or dashes");
      }
      Object parameters = function.getValue("parameters");
      if (parameters != null && !(parameters instanceof JsonObject)) {
        throw MeshException.invalid(at + ".function.parameters", at + ".function.parameters must be a JSON Schema object");
      }
    }
  }

  private static void toolChoice(Object v) {
    if (v == null || v instanceof String s && TOOL_CHOICES.contains(s)) {
      return;
    }
    if (v instanceof JsonObject choice && choice.getValue("type") instanceof String type) {
      if (!type.equals("function") || choice.getValue("function") instanceof JsonObject f && f.getValue("name") instanceof String) {
        return;
      }
      throw MeshException.invalid("tool_choice", "'tool_choice' of type function needs 'function': {\"name\": ...}");
    }
    throw MeshException.invalid("tool_choice", "'tool_choice' must be none, auto, required or an object naming a tool");
  }

  private static void logitBias(Object v) {
    if (v == null) {
      return;
    }
    if (!(v instanceof JsonObject bias) || bias.size() > 300) {
      throw MeshException.invalid("logit_bias", "'logit_bias' must be an object of at most 300 token ids to numbers");
    }
    bias.forEach(e -> {
      if (!e.getKey().matches("\\d{1,10}") || !(e.getValue() instanceof Number n) || n.doubleValue() < -100 || n.doubleValue() > 100) {
        throw MeshException.invalid("logit_bias", "'logit_bias' maps token ids to numbers between -100 and 100");
      }
    });
  }

  private static void responseFormat(Object v) {
    if (v == null) {
      return;
    }
    if (!(v instanceof JsonObject format) || !(format.getValue("type") instanceof String type) || !RESPONSE_FORMATS.contains(type)) {
      throw MeshException.invalid("response_format", "'response_format' must be an object whose 'type' is text, json_object or json_schema");
    }
    if (type.equals("json_schema") && !(format.getValue("json_schema") instanceof JsonObject)) {
      throw MeshException.invalid("response_format", "'response_format' of type json_schema needs a 'json_schema' object");
    }
  }

  private static void integer(JsonObject body, String field, long min, long max) {
    Object v = body.getValue(field);
    if (v != null && (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.doubleValue() < min
      || n.doubleValue() > max)) {
      throw MeshException.invalid(field, "'" + field + "' must be an integer from " + min + " to " + max);
    }
  }

  private static void number(JsonObject body, String field, double min, double max) {
    Object v = body.getValue(field);
    if (v != null && (!(v instanceof Number n) || !(n.doubleValue() >= min && n.doubleValue() <= max))) {
      throw MeshException.invalid(field, "'" + field + "' must be a number from " + (long) min + " to " + (long) max);
    }
  }

  private static void bool(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (v != null && !(v instanceof Boolean)) {
      throw MeshException.invalid(field, "'" + field + "' must be true or false");
    }
  }

  private static void string(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (v != null && !(v instanceof String)) {
      throw MeshException.invalid(field, "'" + field + "' must be a string");
    }
  }
}
