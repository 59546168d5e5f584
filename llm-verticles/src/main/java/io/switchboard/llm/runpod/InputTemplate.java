package io.switchboard.llm.runpod;

import io.switchboard.api.ChatMessage;
import io.switchboard.api.ChatRequest;
import io.switchboard.llm.cli.PromptFormat;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Map;

/**
 * Builds a job's {@code input} from a chat request and the conf template. A custom worker takes whatever input its
 * handler reads, so the shape is conf; the request fills in placeholders. A placeholder is a whole string value:
 * {@code "{prompt}"} (messages rendered by the prompt format), {@code "{messages}"} (the OpenAI messages array),
 * {@code "{model}"}, {@code "{max_tokens}"}, {@code "{temperature}"}, {@code "{top_p}"}, {@code "{stop}"} (array),
 * {@code "{seed}"}, {@code "{stream}"}. Values keep their JSON type; a placeholder the request leaves unset removes
 * its field. Anything else in the template is sent as written. Nested objects and arrays are walked, so
 * {@code {"prompt":"{prompt}","sampling_params":{"max_tokens":"{max_tokens}"}}} works for vLLM-style workers.
 */
final class InputTemplate {

  private InputTemplate() {
  }

  static JsonObject render(JsonObject template, ChatRequest request, PromptFormat format) {
    Map<String, Object> values = new java.util.HashMap<>();
    values.put("{prompt}", format.render(request.messages()));
    JsonArray messages = new JsonArray();
    for (ChatMessage m : request.messages()) {
      messages.add(m.json().copy());
    }
    values.put("{messages}", messages);
    values.put("{model}", request.model());
    values.put("{max_tokens}", request.maxTokens());
    values.put("{temperature}", request.temperature());
    values.put("{top_p}", request.topP());
    values.put("{stop}", request.stop().isEmpty() ? null : new JsonArray(new ArrayList<>(request.stop())));
    values.put("{seed}", request.seed());
    values.put("{stream}", request.stream());
    return object(template, values);
  }

  private static JsonObject object(JsonObject template, Map<String, Object> values) {
    JsonObject out = new JsonObject();
    template.forEach(e -> {
      Object v = value(e.getValue(), values);
      if (v != Absent.INSTANCE) {
        out.put(e.getKey(), v);
      }
    });
    return out;
  }

  private static Object value(Object v, Map<String, Object> values) {
    if (v instanceof String s && values.containsKey(s)) {
      Object filled = values.get(s);
      return filled == null ? Absent.INSTANCE : filled;
    }
    if (v instanceof JsonObject o) {
      return object(o, values);
    }
    if (v instanceof JsonArray a) {
      JsonArray out = new JsonArray();
      a.forEach(x -> {
        Object filled = value(x, values);
        out.add(filled == Absent.INSTANCE ? null : filled);
      });
      return out;
    }
    return v;
  }

  /** Marks a placeholder the request left unset. */
  private enum Absent { INSTANCE }
}
