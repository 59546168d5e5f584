package io.switchboard.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * An embeddings request, OpenAI's {@code /v1/embeddings} body: {@code input} is a string or an array of strings;
 * {@code encoding_format} is {@code float} (default) or {@code base64}; {@code dimensions} optionally shortens the
 * vectors. The bus form is the HTTP form; hints as for chat. Replies are OpenAI's {@code list} of {@code embedding}
 * objects with {@code usage}.
 */
public record EmbeddingRequest(String model, List<String> inputs, String encodingFormat, Integer dimensions, JsonObject extra, RouteHints hints) {

  /** OpenAI's limit on the strings of one request. */
  public static final int MAX_INPUTS = 2048;

  public EmbeddingRequest {
    inputs = List.copyOf(inputs);
    extra = extra == null ? new JsonObject() : extra;
    hints = hints == null ? RouteHints.NONE : hints;
  }

  public static EmbeddingRequest fromJson(JsonObject body) {
    String m = RequestBodies.model(body);
    Object input = body.getValue("input");
    List<String> inputs = new ArrayList<>();
    if (input instanceof String s) {
      inputs.add(s);
    } else if (input instanceof JsonArray a) {
      for (int i = 0; i < a.size(); i++) {
        if (!(a.getValue(i) instanceof String s)) {
          throw MeshException.invalid("input", "input[" + i + "] must be a string");
        }
        inputs.add(s);
      }
    } else {
      throw MeshException.invalid("input", input == null ? "'input' is required" : "'input' must be a string or an array of strings");
    }
    if (inputs.isEmpty()) {
      throw MeshException.invalid("input", "'input' must not be empty");
    }
    if (inputs.size() > MAX_INPUTS) {
      throw MeshException.invalid("input", "'input' may hold at most " + MAX_INPUTS + " strings, got " + inputs.size());
    }
    for (int i = 0; i < inputs.size(); i++) {
      if (inputs.get(i).isEmpty()) {
        throw MeshException.invalid("input", "input[" + i + "] must not be an empty string");
      }
    }
    Object fmt = body.getValue("encoding_format", "float");
    if (!"float".equals(fmt) && !"base64".equals(fmt)) {
      throw MeshException.invalid("encoding_format", "'encoding_format' must be 'float' or 'base64'");
    }
    Integer dimensions = null;
    Object d = body.getValue("dimensions");
    if (d != null) {
      if (!(d instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.intValue() < 1) {
        throw MeshException.invalid("dimensions", "'dimensions' must be a positive integer");
      }
      dimensions = n.intValue();
    }
    JsonObject extra = new JsonObject();
    body.forEach(e -> {
      switch (e.getKey()) {
        case "model", "input", "encoding_format", "dimensions" -> { }
        default -> {
          if (!RouteHints.isHintField(e.getKey())) {
            extra.put(e.getKey(), e.getValue());
          }
        }
      }
    });
    return new EmbeddingRequest(m, inputs, (String) fmt, dimensions, extra, RouteHints.fromJson(body));
  }

  public EmbeddingRequest withModel(String newModel) {
    return new EmbeddingRequest(newModel, inputs, encodingFormat, dimensions, extra, hints);
  }

  /** The OpenAI body to send upstream (no hints). */
  public JsonObject toUpstreamJson() {
    JsonObject body = extra.copy().put("model", model).put("input", new JsonArray(new ArrayList<>(inputs)));
    if (!"float".equals(encodingFormat)) {
      body.put("encoding_format", encodingFormat);
    }
    RequestBodies.putSet(body, "dimensions", dimensions);
    return body;
  }

  public JsonObject toJson() {
    return hints.writeTo(toUpstreamJson());
  }

  public long estimateTokens() {
    long chars = 0;
    for (String s : inputs) {
      chars += s.length();
    }
    return chars / 4 + inputs.size();
  }
}
