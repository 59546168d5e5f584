package io.switchboard.llm.anthropic;

import io.switchboard.api.ChatChunks;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.Usage;
import io.switchboard.core.http.SseParser;
import io.switchboard.core.http.Upstream;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates Anthropic's streaming events into OpenAI {@code chat.completion.chunk}s, one event at a time, with no
 * I/O (the caller feeds events and writes what comes back). The documented flow is {@code message_start}, then per
 * content block {@code content_block_start}, {@code content_block_delta}*, {@code content_block_stop}, then
 * {@code message_delta} (stop reason, cumulative usage) and {@code message_stop}; {@code ping} may come anywhere,
 * {@code error} ends the stream, and unknown event types must be ignored.
 *
 * <p>The assistant role rides on the first content chunk rather than a chunk of its own, so an error that arrives
 * before any content (an overload right after {@code message_start}) still fails the request as a whole and the
 * router can try another backend.
 */
final class StreamTranslator {

  private final long created;
  private final Upstream upstream;
  private String id = "msg_unknown";
  private String model;
  private boolean roleSent;
  private boolean started;
  private boolean stopped;
  private String stopReason;
  private long inputTokens;
  private long outputTokens;
  /** Anthropic content block index of each tool_use block to its OpenAI tool_calls index. */
  private final Map<Integer, Integer> toolIndex = new HashMap<>();

  StreamTranslator(String requestedModel, long created, Upstream upstream) {
    this.model = requestedModel;
    this.created = created;
    this.upstream = upstream;
  }

  /** The chunks an event yields (often none); throws a {@link MeshException} for an {@code error} event. */
  List<JsonObject> onEvent(SseParser.Event event) {
    JsonObject data = parse(event.data());
    if (event.event().equals("error")) {
      throw upstream.fromErrorObject(data != null ? data : new JsonObject().put("error", new JsonObject().put("message", event.data())));
    }
    if (data == null && event.data() != null && !event.data().isBlank()) {
      // An event whose JSON is broken may be the one carrying the message id and the input tokens: never skip it.
      throw new MeshException(ErrorCode.UPSTREAM, upstream.id() + ": malformed JSON in the upstream stream");
    }
    String type = data == null ? event.event() : data.getString("type", event.event());
    return switch (type) {
      case "message_start" -> messageStart(data);
      case "content_block_start" -> blockStart(data);
      case "content_block_delta" -> blockDelta(data);
      case "message_delta" -> messageDelta(data);
      case "message_stop" -> messageStop();
      default -> List.of(); // ping, content_block_stop, and event types added after this was written
    };
  }

  boolean started() {
    return started;
  }

  /** True once {@code message_stop} arrived: only then is the stream a clean end. */
  boolean stopped() {
    return stopped;
  }

  Usage usage() {
    return new Usage(inputTokens, outputTokens);
  }

  private List<JsonObject> messageStart(JsonObject data) {
    started = true;
    JsonObject message = data == null ? null : data.getJsonObject("message");
    if (message != null) {
      id = message.getString("id", id);
      model = message.getString("model", model);
      Usage u = MessagesResponseMapper.usage(message.getJsonObject("usage"));
      inputTokens = u.promptTokens();
      outputTokens = u.completionTokens();
    }
    return List.of();
  }

  private List<JsonObject> blockStart(JsonObject data) {
    JsonObject block = data == null ? null : data.getJsonObject("content_block");
    if (block == null) {
      return List.of();
    }
    if ("tool_use".equals(block.getString("type"))) {
      int openAiIndex = toolIndex.size();
      toolIndex.put(data.getInteger("index", 0), openAiIndex);
      return List.of(toolDelta(new JsonObject()
        .put("index", openAiIndex)
        .put("id", block.getString("id"))
        .put("type", "function")
        .put("function", new JsonObject().put("name", block.getString("name")).put("arguments", ""))));
    }
    String text = "text".equals(block.getString("type")) ? block.getString("text", "") : "";
    return text.isEmpty() ? List.of() : List.of(content(text));
  }

  private List<JsonObject> blockDelta(JsonObject data) {
    JsonObject delta = data == null ? null : data.getJsonObject("delta");
    if (delta == null) {
      return List.of();
    }
    switch (delta.getString("type", "")) {
      case "text_delta" -> {
        String text = delta.getString("text", "");
        return text.isEmpty() ? List.of() : List.of(content(text));
      }
      case "input_json_delta" -> {
        Integer index = toolIndex.get(data.getInteger("index", 0));
        String partial = delta.getString("partial_json", "");
        if (index == null || partial.isEmpty()) {
          return List.of();
        }
        return List.of(toolDelta(new JsonObject().put("index", index).put("function", new JsonObject().put("arguments", partial))));
      }
      default -> {
        return List.of(); // thinking_delta, signature_delta, citations_delta: no OpenAI counterpart
      }
    }
  }

  private List<JsonObject> messageDelta(JsonObject data) {
    if (data == null) {
      return List.of();
    }
    JsonObject delta = data.getJsonObject("delta");
    if (delta != null && delta.getString("stop_reason") != null) {
      stopReason = delta.getString("stop_reason");
    }
    JsonObject usage = data.getJsonObject("usage");
    if (usage != null) {
      // Counts in message_delta are cumulative; input counts appear here only on newer API versions.
      outputTokens = Math.max(outputTokens, MessagesResponseMapper.num(usage, "output_tokens"));
      Usage u = MessagesResponseMapper.usage(usage);
      inputTokens = Math.max(inputTokens, u.promptTokens());
    }
    return List.of();
  }

  private List<JsonObject> messageStop() {
    stopped = true;
    JsonObject finish = ChatChunks.finish(id, created, model, MessagesResponseMapper.finishReason(stopReason));
    if (!roleSent) {
      roleSent = true;
      finish.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").put("role", "assistant");
    }
    return List.of(finish);
  }

  private JsonObject content(String text) {
    boolean first = !roleSent;
    roleSent = true;
    return ChatChunks.delta(id, created, model, text, first);
  }

  private JsonObject toolDelta(JsonObject call) {
    JsonObject delta = new JsonObject();
    if (!roleSent) {
      roleSent = true;
      delta.put("role", "assistant");
    }
    delta.put("tool_calls", new JsonArray().add(call));
    JsonObject chunk = ChatChunks.finish(id, created, model, null);
    chunk.getJsonArray("choices").getJsonObject(0).put("delta", delta);
    return chunk;
  }

  private static JsonObject parse(String data) {
    try {
      return data == null || data.isBlank() ? null : new JsonObject(data);
    } catch (DecodeException | ClassCastException e) {
      return null;
    }
  }
}
