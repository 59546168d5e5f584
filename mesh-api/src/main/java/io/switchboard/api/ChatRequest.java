package io.switchboard.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A chat completion request: OpenAI's body, validated, plus the routing hints. The bus form is the HTTP form:
 * an OpenAI {@code /v1/chat/completions} body whose extra top-level fields ({@code privacy}, {@code strategy},
 * {@code provider}, {@code max_cost}, {@code timeout_ms}) are the hints. Fields the mesh does not interpret
 * ({@code tools}, {@code response_format}, {@code n}, ...) are checked against OpenAI's ranges ({@link ChatOptions}),
 * kept in {@link #extra()} and go upstream as they came.
 *
 * @param maxTokens new tokens at most ({@code max_tokens} or {@code max_completion_tokens}), null when unset
 */
public record ChatRequest(
  String model,
  List<ChatMessage> messages,
  boolean stream,
  Integer maxTokens,
  Double temperature,
  Double topP,
  List<String> stop,
  Long seed,
  JsonObject extra,
  RouteHints hints) {

  private static final Set<String> KNOWN = Set.of(
    "model", "messages", "stream", "temperature", "top_p", "stop", "seed");

  public ChatRequest {
    messages = List.copyOf(messages);
    stop = stop == null ? List.of() : List.copyOf(stop);
    extra = extra == null ? new JsonObject() : extra;
    hints = hints == null ? RouteHints.NONE : hints;
  }

  /**
   * Validates an OpenAI-shaped body. Every problem is a {@link MeshException} with code
   * {@link ErrorCode#INVALID_REQUEST} whose message names the field.
   */
  public static ChatRequest fromJson(JsonObject body) {
    String m = RequestBodies.model(body);
    Object msgs = body.getValue("messages");
    if (!(msgs instanceof JsonArray array)) {
      throw MeshException.invalid("messages", msgs == null ? "'messages' is required" : "'messages' must be an array");
    }
    if (array.isEmpty()) {
      throw MeshException.invalid("messages", "'messages' must contain at least one message");
    }
    List<ChatMessage> messages = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      messages.add(ChatMessage.fromJson(array.getValue(i), i));
    }
    Object stream = body.getValue("stream");
    if (stream != null && !(stream instanceof Boolean)) {
      throw MeshException.invalid("stream", "'stream' must be a boolean");
    }
    Integer maxTokens = positiveInt(body, "max_completion_tokens");
    if (maxTokens == null) {
      maxTokens = positiveInt(body, "max_tokens");
    }
    Double temperature = number(body, "temperature", 0, 2);
    Double topP = number(body, "top_p", 0, 1);
    List<String> stop = stop(body.getValue("stop"));
    Long seed = null;
    Object s = body.getValue("seed");
    if (s != null) {
      if (!(s instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
        throw MeshException.invalid("seed", "'seed' must be an integer");
      }
      seed = n.longValue();
    }
    ChatOptions.validate(body);
    JsonObject extra = new JsonObject();
    body.forEach(e -> {
      if (!KNOWN.contains(e.getKey()) && !RouteHints.isHintField(e.getKey())) {
        extra.put(e.getKey(), e.getValue());
      }
    });
    return new ChatRequest(m, messages, Boolean.TRUE.equals(stream), maxTokens, temperature, topP, stop, seed, extra,
      RouteHints.fromJson(body));
  }

  private static Integer positiveInt(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() < 1 || n.longValue() > Integer.MAX_VALUE) {
      throw MeshException.invalid(field, "'" + field + "' must be a positive integer");
    }
    return n.intValue();
  }

  private static Double number(JsonObject body, String field, double min, double max) {
    Object v = body.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n) || n.doubleValue() < min || n.doubleValue() > max || Double.isNaN(n.doubleValue())) {
      throw MeshException.invalid(field, "'" + field + "' must be a number between " + fmt(min) + " and " + fmt(max));
    }
    return n.doubleValue();
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  private static List<String> stop(Object v) {
    if (v == null) {
      return List.of();
    }
    if (v instanceof String s) {
      return List.of(s);
    }
    if (v instanceof JsonArray a && a.size() <= 4 && a.stream().allMatch(x -> x instanceof String)) {
      List<String> out = new ArrayList<>();
      a.forEach(x -> out.add((String) x));
      return out;
    }
    throw MeshException.invalid("stop", "'stop' must be a string or an array of at most 4 strings");
  }

  /** The same request for another model (the router resolves aliases per backend). */
  public ChatRequest withModel(String newModel) {
    return new ChatRequest(newModel, messages, stream, maxTokens, temperature, topP, stop, seed, extra, hints);
  }

  /** The same request without the extra top-level field {@code field} (as decoded from a body without it). */
  public ChatRequest withoutExtra(String field) {
    if (!extra.containsKey(field)) {
      return this;
    }
    JsonObject rest = extra.copy();
    rest.remove(field);
    return new ChatRequest(model, messages, stream, maxTokens, temperature, topP, stop, seed, rest, hints);
  }

  public ChatRequest withHints(RouteHints newHints) {
    return new ChatRequest(model, messages, stream, maxTokens, temperature, topP, stop, seed, extra, newHints);
  }

  /** The OpenAI body to send upstream: no routing hints, {@code model} as given. */
  public JsonObject toUpstreamJson() {
    JsonObject body = extra.copy().put("model", model);
    JsonArray msgs = new JsonArray();
    messages.forEach(msg -> msgs.add(msg.json()));
    body.put("messages", msgs);
    if (stream) {
      body.put("stream", true);
    }
    // max_tokens / max_completion_tokens travel in extra under the name the caller used (reasoning models refuse
    // max_tokens); a request built in code with only maxTokens gets max_tokens.
    if (maxTokens != null && !extra.containsKey("max_tokens") && !extra.containsKey("max_completion_tokens")) {
      body.put("max_tokens", maxTokens);
    }
    RequestBodies.putSet(body, "temperature", temperature);
    RequestBodies.putSet(body, "top_p", topP);
    if (!stop.isEmpty()) {
      body.put("stop", new JsonArray(new ArrayList<>(stop)));
    }
    RequestBodies.putSet(body, "seed", seed);
    return body;
  }

  /** The bus form: the upstream body plus the hints. */
  public JsonObject toJson() {
    return hints.writeTo(toUpstreamJson());
  }

  /** A rough prompt token count (4 characters a token, 4 tokens of framing a message) for cost estimates and limits. */
  public long estimatePromptTokens() {
    long chars = 0;
    for (ChatMessage m : messages) {
      chars += m.text().length();
    }
    return chars / 4 + 4L * messages.size() + 3;
  }
}
