package io.switchboard.bench.gateway;

import io.switchboard.bench.BenchKit;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * An OpenAI upstream that answers instantly, for benchmarks: {@code POST /v1/chat/completions} returns one fixed
 * completion, or (with {@code "stream": true}) a stream of {@code chunks} SSE chunks and {@code [DONE]}; bodies are
 * encoded once at start. Listens on 127.0.0.1 only.
 *
 * <p>Usage: {@code MockUpstream PORT [CHUNKS] [EVENT_LOOPS]}
 */
public final class MockUpstream {

  private MockUpstream() {
  }

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    int chunks = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int loops = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
    Buffer completion = new JsonObject()
      .put("id", "chatcmpl-bench").put("object", "chat.completion").put("created", 1).put("model", "bench-model")
      .put("choices", new JsonArray().add(new JsonObject().put("index", 0)
        .put("message", new JsonObject().put("role", "assistant").put("content", "The quick brown fox jumps over the lazy dog."))
        .put("finish_reason", "stop")))
      .put("usage", new JsonObject().put("prompt_tokens", 12).put("completion_tokens", 10).put("total_tokens", 22))
      .toBuffer();
    Buffer stream = Buffer.buffer();
    for (int i = 0; i < chunks; i++) {
      JsonObject delta = new JsonObject().put("content", " tok" + i);
      if (i == 0) {
        delta.put("role", "assistant");
      }
      stream.appendString("data: ").appendBuffer(chunk(delta, null).toBuffer()).appendString("\n\n");
    }
    stream.appendString("data: ").appendBuffer(chunk(new JsonObject(), "stop").toBuffer()).appendString("\n\n");
    stream.appendString("data: ").appendBuffer(new JsonObject().put("id", "chatcmpl-bench").put("object", "chat.completion.chunk")
      .put("created", 1).put("model", "bench-model").put("choices", new JsonArray())
      .put("usage", new JsonObject().put("prompt_tokens", 12).put("completion_tokens", chunks).put("total_tokens", 12 + chunks))
      .toBuffer()).appendString("\n\n");
    stream.appendString("data: [DONE]\n\n");

    for (int i = 0; i < loops; i++) {
      BenchKit.server(vertx, port)
        .requestHandler(req -> req.body().onSuccess(body -> {
          boolean streaming = body.length() > 0 && body.toString().contains("\"stream\":true");
          if (streaming) {
            req.response().putHeader("content-type", "text/event-stream").end(stream);
          } else {
            req.response().putHeader("content-type", "application/json").end(completion);
          }
        }))
        .listen().await();
    }
    System.out.println("mock upstream on 127.0.0.1:" + port + " (" + chunks + " chunks per stream)");
  }

  private static JsonObject chunk(JsonObject delta, String finish) {
    return new JsonObject().put("id", "chatcmpl-bench").put("object", "chat.completion.chunk").put("created", 1)
      .put("model", "bench-model")
      .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta).put("finish_reason", finish)));
  }
}
