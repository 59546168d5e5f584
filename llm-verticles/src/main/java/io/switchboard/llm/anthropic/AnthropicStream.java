package io.switchboard.llm.anthropic;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.http.Exchange;
import io.switchboard.core.http.ResponseRelay;
import io.switchboard.core.http.SseParser;
import io.switchboard.core.http.UpstreamClient;
import io.switchboard.core.stream.ChunkPipe;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * One streamed Messages call, from the request to the end of the pipe, on the upstream kit: the SSE body is parsed as
 * it arrives, each event handed to a {@link StreamTranslator} and the resulting chunks written to the pipe; a full
 * pipe pauses the upstream ({@link ResponseRelay}); the caller cancelling or a timeout (no response headers within
 * {@code first_byte_ms}, no read within {@code idle_ms}, the request deadline) resets the upstream request. Only
 * {@code message_stop} ends the pipe cleanly: a body that ends or breaks before it fails the pipe.
 */
final class AnthropicStream {

  private static final System.Logger LOG = System.getLogger(AnthropicStream.class.getName());

  private final Exchange exchange;
  private final StreamTranslator translator;
  private final ChunkPipe<JsonObject> pipe;

  private AnthropicStream(Exchange exchange, StreamTranslator translator, ChunkPipe<JsonObject> pipe) {
    this.exchange = exchange;
    this.translator = translator;
    this.pipe = pipe;
  }

  /** Starts the call; its chunks, end or failure arrive on the returned pipe. */
  static ChunkPipe<JsonObject> open(UpstreamClient http, RequestOptions options, Buffer body, StreamTranslator translator,
                                    long deadlineMs) {
    ChunkPipe<JsonObject> pipe = new ChunkPipe<>();
    http.stream(options, body, deadlineMs, pipe, (ex, response) -> new AnthropicStream(ex, translator, pipe).relay(response));
    return pipe;
  }

  private void relay(HttpClientResponse response) {
    LOG.log(System.Logger.Level.DEBUG, "anthropic stream started, request-id {0}", response.getHeader("request-id"));
    SseParser parser = new SseParser(this::onEvent);
    exchange.onFailure(pipe::fail);
    ResponseRelay.start(exchange, response, pipe, parser::feed, this::cut, t -> cut());
  }

  private void onEvent(SseParser.Event event) {
    if (exchange.isDone()) {
      return;
    }
    List<JsonObject> chunks;
    try {
      chunks = translator.onEvent(event);
    } catch (MeshException e) {
      exchange.fail(e);
      return;
    }
    chunks.forEach(pipe::write);
    if (translator.stopped()) {
      exchange.finish();
      pipe.end(new JsonObject().put("usage", translator.usage().toJson()));
    }
  }

  /** The body ended or the connection broke before {@code message_stop}. */
  private void cut() {
    exchange.fail(new MeshException(ErrorCode.UPSTREAM, exchange.upstream().id() + (translator.started()
      ? ": anthropic stream ended before message_stop"
      : ": anthropic stream ended before message_start")));
  }
}
