package io.switchboard.bench.soak;

import io.switchboard.bench.BenchKit;
import io.switchboard.bench.audio.Args;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The OpenAI API as the soak benchmark's default node meets it through {@code OPENAI_BASE_URL}, answering at once on
 * 127.0.0.1: chat (whole, or an SSE stream of 20 chunks and {@code [DONE]}), embeddings (one 384-dimension vector per
 * input), speech (10 chunks of 1 KiB of MP3-looking bytes) and transcriptions ({@code json}, the body read and
 * dropped). Bodies are encoded once at start, so the mock's own allocation stays out of the node's figures.
 *
 * <p>Usage: {@code SoakUpstream --port 18990}
 */
public final class SoakUpstream {

  private SoakUpstream() {
  }

  public static void main(String[] args) {
    int port = Integer.parseInt(Args.get(args, "--port", "18990"));
    Vertx vertx = BenchKit.oneLoop();
    Buffer completion = new JsonObject().put("id", "chatcmpl-soak").put("object", "chat.completion").put("created", 1)
      .put("model", "gpt-4o-mini")
      .put("choices", new JsonArray().add(new JsonObject().put("index", 0)
        .put("message", new JsonObject().put("role", "assistant").put("content", "The quick brown fox jumps over the lazy dog."))
        .put("finish_reason", "stop")))
      .put("usage", new JsonObject().put("prompt_tokens", 12).put("completion_tokens", 10).put("total_tokens", 22)).toBuffer();
    Buffer stream = Buffer.buffer();
    for (int i = 0; i < 20; i++) {
      JsonObject delta = new JsonObject().put("content", " tok" + i);
      stream.appendString("data: ").appendBuffer(chunk(delta, null).toBuffer()).appendString("\n\n");
    }
    stream.appendString("data: ").appendBuffer(chunk(new JsonObject(), "stop").toBuffer()).appendString("\n\n");
    stream.appendString("data: ").appendBuffer(new JsonObject().put("id", "chatcmpl-soak").put("object", "chat.completion.chunk")
      .put("created", 1).put("model", "gpt-4o-mini").put("choices", new JsonArray())
      .put("usage", new JsonObject().put("prompt_tokens", 12).put("completion_tokens", 20).put("total_tokens", 32)).toBuffer())
      .appendString("\n\n").appendString("data: [DONE]\n\n");
    JsonArray vector = new JsonArray();
    for (int i = 0; i < 384; i++) {
      vector.add((i % 7) / 7.0);
    }
    Buffer embedding = new JsonObject().put("object", "list").put("model", "text-embedding-3-small")
      .put("data", new JsonArray().add(new JsonObject().put("object", "embedding").put("index", 0).put("embedding", vector)))
      .put("usage", new JsonObject().put("prompt_tokens", 8).put("total_tokens", 8)).toBuffer();
    Buffer transcript = new JsonObject().put("text", "a short soak utterance").toBuffer();
    Buffer audio = Buffer.buffer(new byte[1024]);
    for (int i = 0; i < audio.length(); i += 4) {
      audio.setByte(i, (byte) 0xFF).setByte(i + 1, (byte) 0xFB).setByte(i + 2, (byte) 0x90).setByte(i + 3, (byte) 0x64);
    }
    BenchKit.server(vertx, port)
      .requestHandler(req -> req.body().onSuccess(body -> {
        HttpServerResponse res = req.response();
        switch (req.path()) {
          case "/v1/chat/completions" -> {
            boolean streaming = body.toString().contains("\"stream\":true");
            res.putHeader("content-type", streaming ? "text/event-stream" : "application/json").end(streaming ? stream : completion);
          }
          case "/v1/embeddings" -> res.putHeader("content-type", "application/json").end(embedding);
          case "/v1/audio/transcriptions" -> res.putHeader("content-type", "application/json").end(transcript);
          case "/v1/audio/speech" -> {
            res.setChunked(true).putHeader("content-type", "audio/mpeg");
            for (int i = 0; i < 10; i++) {
              res.write(audio);
            }
            res.end();
          }
          case "/v1/models" -> res.putHeader("content-type", "application/json")
            .end(new JsonObject().put("object", "list").put("data", new JsonArray()).toBuffer());
          default -> res.setStatusCode(404).putHeader("content-type", "application/json")
            .end(new JsonObject().put("error", new JsonObject().put("message", "no route " + req.path()).put("type", "invalid_request_error")).toBuffer());
        }
      }))
      .listen().await();
    System.out.println("soak upstream on 127.0.0.1:" + port);
  }

  private static JsonObject chunk(JsonObject delta, String finish) {
    return new JsonObject().put("id", "chatcmpl-soak").put("object", "chat.completion.chunk").put("created", 1)
      .put("model", "gpt-4o-mini")
      .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta).put("finish_reason", finish)));
  }
}
