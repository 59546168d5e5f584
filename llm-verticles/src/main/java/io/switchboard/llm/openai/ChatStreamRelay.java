package io.switchboard.llm.openai;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.JsonText;
import io.switchboard.api.MeshException;
import io.switchboard.api.Usage;
import io.switchboard.core.http.Exchange;
import io.switchboard.core.http.ResponseRelay;
import io.switchboard.core.http.SseParser;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Relays one upstream chat stream (OpenAI SSE: {@code data: <chat.completion.chunk>} events, then
 * {@code data: [DONE]}) into a {@link ChunkPipe} as the reads arrive. The usage-only chunk is kept for the trailer;
 * the pipe's back-pressure pauses the HTTP response ({@link ResponseRelay}); a stream that stops before
 * {@code [DONE]}, an error event or a malformed chunk fails the pipe, never ends it.
 *
 * <p>The chunks that say nothing yet (OpenAI's first one carries only {@code role: assistant}) are held until content
 * follows: a stream that breaks right after them fails before anything reached the pipe, so the router can still try
 * another backend and the client never sees it (as the Anthropic adapter does with {@code message_start}).
 */
final class ChatStreamRelay {

  private static final String DONE = "[DONE]";

  private final Exchange exchange;
  private final ChunkPipe<JsonObject> pipe;
  private final String id;
  private JsonObject usage;
  private boolean finished;
  /** Chunks that say nothing yet, held until one says something; null once one has. */
  private List<JsonObject> held = new ArrayList<>();

  ChatStreamRelay(Exchange exchange, ChunkPipe<JsonObject> pipe) {
    this.exchange = exchange;
    this.pipe = pipe;
    this.id = exchange.upstream().id();
  }

  /** Takes over {@code response} (status 200, paused) until the stream is over. */
  void start(HttpClientResponse response) {
    SseParser parser = new SseParser(this::onEvent);
    exchange.onFailure(this::failPipe);
    ResponseRelay.start(exchange, response, pipe, parser::feed, this::cut, t -> cut());
  }

  private void onEvent(SseParser.Event event) {
    if (finished) {
      return;
    }
    String data = event.data().strip();
    if (data.equals(DONE)) {
      finished = true;
      exchange.finish();
      release();
      pipe.end(new JsonObject().put("usage", usage == null ? Usage.ZERO.toJson() : usage));
      return;
    }
    if (data.isEmpty()) {
      return;
    }
    JsonObject chunk;
    try {
      chunk = JsonText.object(data);
    } catch (DecodeException | ClassCastException e) {
      fail(new MeshException(ErrorCode.UPSTREAM, id + ": malformed JSON in the upstream stream"));
      return;
    }
    if (chunk.getValue("error") != null) {
      fail(exchange.upstream().fromErrorObject(chunk));
      return;
    }
    if (chunk.getValue("usage") instanceof JsonObject u) {
      usage = u;
    }
    // A chunk without choices carries only usage (or provider metadata): nothing for the caller's stream.
    if (chunk.getValue("choices") instanceof JsonArray choices && !choices.isEmpty()) {
      if (held != null && saysNothing(choices)) {
        held.add(chunk);
        return;
      }
      release();
      pipe.write(chunk);
    }
  }

  /** Writes the held chunks, in order, before the first that says something (or the end); holds nothing after. */
  private void release() {
    if (held != null) {
      held.forEach(pipe::write);
      held = null;
    }
  }

  /** Every choice's delta has no content, tool call or refusal yet, and none finished. */
  static boolean saysNothing(JsonArray choices) {
    for (Object o : choices) {
      if (!(o instanceof JsonObject choice) || choice.getValue("finish_reason") != null) {
        return false;
      }
      JsonObject delta = choice.getJsonObject("delta", new JsonObject());
      for (String key : delta.fieldNames()) {
        Object v = delta.getValue(key);
        boolean empty = v == null || v instanceof String str && str.isEmpty();
        if (!key.equals("role") && !empty) {
          return false;
        }
      }
    }
    return true;
  }

  /** The response ended or the connection dropped before [DONE]. */
  private void cut() {
    fail(new MeshException(ErrorCode.UPSTREAM, id + ": upstream stream ended before [DONE]"));
  }

  private void fail(MeshException error) {
    if (!finished) {
      exchange.fail(error); // tells failPipe first, then resets the request
    }
  }

  private void failPipe(MeshException error) {
    if (finished) {
      return;
    }
    finished = true;
    pipe.fail(error);
  }
}
