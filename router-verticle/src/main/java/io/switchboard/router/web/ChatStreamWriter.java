package io.switchboard.router.web;

import io.switchboard.api.Headers;
import io.switchboard.api.JsonText;
import io.switchboard.api.MeshException;
import io.switchboard.api.StreamProtocol;
import io.switchboard.core.stream.BusStreams;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Writes a bus chat stream as OpenAI's server-sent events ({@code data: {chunk}\n\n} ... {@code data: [DONE]\n\n}),
 * at the pace the HTTP connection takes it ({@link ResponsePacer}). A failure after the first byte ends
 * the response with an error event and no {@code [DONE]}; a client that goes away cancels the bus stream.
 */
final class ChatStreamWriter {

  private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");

  private final HttpServerResponse response;
  private final boolean includeUsage;
  private final ResponsePacer pacer;
  private JsonObject lastChunk;

  ChatStreamWriter(HttpServerResponse response, long idleTimeoutMs, boolean includeUsage) {
    this.response = response;
    this.includeUsage = includeUsage;
    this.pacer = new ResponsePacer(response, idleTimeoutMs, this::onMessage, this::fail);
  }

  void start(Message<Object> first) {
    response.setChunked(true)
      .putHeader("content-type", "text/event-stream; charset=utf-8")
      .putHeader("cache-control", "no-cache")
      .putHeader("x-accel-buffering", "no")
      .putHeader(RouterBus.TRAILER, Headers.ARTIFACTS);
    pacer.start(first);
  }

  private void onMessage(Message<Object> msg) {
    JsonObject body = msg.body() instanceof JsonObject j ? j : new JsonObject();
    Buffer out = Buffer.buffer(256);
    JsonArray chunks = body.getJsonArray(StreamProtocol.CHUNKS, new JsonArray());
    for (int i = 0; i < chunks.size(); i++) {
      JsonObject chunk = chunks.getJsonObject(i);
      lastChunk = chunk;
      out.appendString("data: ").appendBuffer(JsonText.bytes(chunk)).appendString("\n\n");
    }
    if (BusStreams.isEnd(msg)) {
      JsonObject usage = body.getJsonObject(StreamProtocol.USAGE);
      if (includeUsage && usage != null && lastChunk != null) {
        JsonObject usageChunk = new JsonObject().put("id", lastChunk.getValue("id")).put("object", "chat.completion.chunk")
          .put("created", lastChunk.getValue("created")).put("model", lastChunk.getValue("model"))
          .put("choices", new JsonArray()).put("usage", usage);
        out.appendString("data: ").appendBuffer(JsonText.bytes(usageChunk)).appendString("\n\n");
      }
      RouterBus.artifactsTrailer(response, msg);
      response.end(out.appendBuffer(DONE));
      return;
    }
    if (out.length() > 0) {
      response.write(out);
    }
    pacer.written(msg);
  }

  private void fail(Throwable cause) {
    JsonObject error = MeshException.from(cause).toOpenAiJson();
    response.end(Buffer.buffer("data: ").appendBuffer(error.toBuffer()).appendString("\n\n"));
  }
}
