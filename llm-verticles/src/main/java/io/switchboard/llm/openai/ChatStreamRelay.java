package io.switchboard.llm.openai;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.api.Usage;
import io.switchboard.core.http.SseParser;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Relays one upstream chat stream (OpenAI SSE: {@code data: <chat.completion.chunk>} events, then
 * {@code data: [DONE]}) into a {@link ChunkPipe} as the reads arrive. The usage-only chunk is kept for the trailer;
 * the pipe's back-pressure pauses the HTTP response; a stream that stops before {@code [DONE]}, an error event or a
 * malformed chunk fails the pipe, never ends it.
 */
final class ChatStreamRelay {

  private static final String DONE = "[DONE]";

  private final OpenAiSettings settings;
  private final Exchange exchange;
  private final ChunkPipe<JsonObject> pipe;
  private HttpClientResponse response;
  private JsonObject usage;
  private boolean finished;
  private boolean paused;

  ChatStreamRelay(OpenAiSettings settings, Exchange exchange, ChunkPipe<JsonObject> pipe) {
    this.settings = settings;
    this.exchange = exchange;
    this.pipe = pipe;
  }

  /** Takes over {@code response} (status 200, paused) until the stream is over. */
  void start(HttpClientResponse response) {
    this.response = response;
    SseParser parser = new SseParser(this::onEvent);
    exchange.onFailure(this::failPipe);
    response.handler(buffer -> {
      exchange.touch();
      if (!finished) {
        parser.feed(buffer);
      }
    });
    response.exceptionHandler(t -> cut());
    response.endHandler(v -> cut());
    response.resume();
  }

  private void onEvent(SseParser.Event event) {
    if (finished) {
      return;
    }
    String data = event.data().strip();
    if (data.equals(DONE)) {
      finished = true;
      exchange.finish();
      pipe.end(new JsonObject().put("usage", usage == null ? Usage.ZERO.toJson() : usage));
      return;
    }
    if (data.isEmpty()) {
      return;
    }
    JsonObject chunk;
    try {
      chunk = new JsonObject(data);
    } catch (DecodeException | ClassCastException e) {
      fail(new MeshException(ErrorCode.UPSTREAM, settings.id() + ": malformed JSON in the upstream stream"));
      return;
    }
    if (chunk.getValue("error") != null) {
      fail(OpenAiErrors.fromErrorObject(settings.id(), chunk, settings.apiKey()));
      return;
    }
    if (chunk.getValue("usage") instanceof JsonObject u) {
      usage = u;
    }
    // A chunk without choices carries only usage (or provider metadata): nothing for the caller's stream.
    if (!(chunk.getValue("choices") instanceof JsonArray choices) || choices.isEmpty()) {
      return;
    }
    pipe.write(chunk);
    if (pipe.writeQueueFull() && !paused) {
      paused = true;
      response.pause();
      exchange.pause();
      pipe.drainHandler(this::resume);
    }
  }

  private void resume() {
    paused = false;
    if (!finished) {
      exchange.resume();
      response.resume();
    }
  }

  /** The response ended or the connection dropped: fine after [DONE], a failure before it. */
  private void cut() {
    fail(new MeshException(ErrorCode.UPSTREAM, settings.id() + ": upstream stream ended before [DONE]"));
  }

  private void fail(MeshException error) {
    if (finished) {
      return;
    }
    failPipe(error);
    exchange.fail(error);
  }

  private void failPipe(MeshException error) {
    if (finished) {
      return;
    }
    finished = true;
    pipe.fail(error);
  }
}
