package io.switchboard.bench.voice;

import io.switchboard.bench.BenchKit;
import io.switchboard.bench.audio.Args;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The three cloud stages of a call for the voice benchmark, in their real wire formats on 127.0.0.1, each with a
 * fixed delay to its first byte:
 * <ul>
 *   <li>OpenAI {@code POST /v1/audio/transcriptions}: the multipart body is read, then after {@code --asr-ms} a
 *       {@code verbose_json} transcript;</li>
 *   <li>OpenAI {@code POST /v1/chat/completions} with {@code stream: true}: SSE chunks, the first content (the
 *       answer's first sentence, {@code Sure, <name>.}) after {@code --chat-ms}, then a word every 10 ms,
 *       {@code [DONE]}. The name is made up anew for every answer (three syllables from a counter), so that no
 *       answer's first piece is ever the same as another's: the node's exact cache (on for speech by default) would
 *       otherwise serve the repeated first piece from memory and the speech stage, whose delay the benchmark
 *       subtracts, would not run;</li>
 *   <li>ElevenLabs {@code POST /v1/text-to-speech/{voice}/stream?output_format=ulaw_8000}: raw μ-law, the first chunk
 *       after {@code --tts-ms}, then 200 ms of audio every 20 ms (ten times real time), 60 ms of audio a character.</li>
 * </ul>
 * {@code GET /stats} gives, per stage, how many first bytes it sent and the sum of their real delays in ms (the request
 * arrived → its first byte written: the transcript, the first content token, the first audio), so that the
 * benchmark can check the delays it subtracts are the ones the mock really kept (its timers fire late, its one
 * event loop serves every call).
 * Usage: {@code MockVoiceUpstream --port 18391 [--asr-ms 100] [--chat-ms 150] [--tts-ms 100] [--answer TEXT]}
 */
public final class MockVoiceUpstream {

  static final String ANSWER = "Sure, %s. A table for two at seven tonight is booked.";
  private static final String[] SYLLABLES = {"ka", "lo", "mi", "ne", "ta", "ru", "so", "vi", "da", "pe", "zo", "li", "mu", "ra",
    "te", "no"};
  private static int answers;
  private static final String[] STAGES = {"transcription", "chat", "speech"};
  /** Per stage: first bytes sent, and the sum of their real delays in nanoseconds (the one event loop only). */
  private static final long[] FIRSTS = new long[3];
  private static final long[] DELAY_NANOS = new long[3];

  private MockVoiceUpstream() {
  }

  public static void main(String[] args) {
    JsonObject o = Args.options(args, new JsonObject().put("port", 18391).put("asr-ms", 100).put("chat-ms", 150).put("tts-ms", 100)
      .put("answer", ANSWER));
    long asrMs = o.getLong("asr-ms");
    long chatMs = o.getLong("chat-ms");
    long ttsMs = o.getLong("tts-ms");
    String answer = o.getString("answer");
    Vertx vertx = BenchKit.oneLoop();
    BenchKit.server(vertx, o.getInteger("port"))
      .requestHandler(req -> {
        String path = req.path();
        long arrived = System.nanoTime();
        if (path.equals("/v1/audio/transcriptions")) {
          req.body().onSuccess(b -> vertx.setTimer(asrMs, t -> {
            first(0, arrived);
            req.response().putHeader("content-type", "application/json")
              .end(new JsonObject().put("text", "I would like to book a table for two people tonight.").put("language", "english")
                .put("duration", 3.0).put("segments", new JsonArray()).encode());
          }));
        } else if (path.equals("/v1/chat/completions")) {
          req.body().onSuccess(b -> chat(vertx, req.response(), b.toJsonObject().getString("model"), words(answer), chatMs, arrived));
        } else if (path.startsWith("/v1/text-to-speech/") && path.endsWith("/stream")) {
          req.body().onSuccess(b -> speech(vertx, req, b.toJsonObject().getString("text", ""), ttsMs, arrived));
        } else if (path.equals("/stats")) {
          JsonObject stats = new JsonObject();
          for (int i = 0; i < STAGES.length; i++) {
            stats.put(STAGES[i], new JsonObject().put("count", FIRSTS[i]).put("sum_ms", DELAY_NANOS[i] / 1e6));
          }
          req.response().putHeader("content-type", "application/json").end(stats.encode());
        } else {
          req.response().setStatusCode(404).end();
        }
      })
      .listen().await();
    System.out.println("mock voice upstream on 127.0.0.1, options " + o.encode());
  }

  /** The next answer's words, its first sentence (with a name no answer had before) as the first of them. */
  private static String[] words(String template) {
    int n = answers++;
    String name = SYLLABLES[n / 256 % 16] + SYLLABLES[n / 16 % 16] + SYLLABLES[n % 16];
    String text = template.formatted(Character.toUpperCase(name.charAt(0)) + name.substring(1));
    int firstEnd = text.indexOf(". ") + 1;
    if (firstEnd <= 0) {
      return text.split(" ");
    }
    String[] rest = text.substring(firstEnd + 1).split(" ");
    String[] out = new String[rest.length + 1];
    out[0] = text.substring(0, firstEnd);
    System.arraycopy(rest, 0, out, 1, rest.length);
    return out;
  }

  /** Stage {@code stage}'s first byte is being written now, for a request that arrived at {@code arrived}. */
  private static void first(int stage, long arrived) {
    FIRSTS[stage]++;
    DELAY_NANOS[stage] += System.nanoTime() - arrived;
  }

  private static void chat(Vertx vertx, HttpServerResponse res, String model, String[] words, long firstMs, long arrived) {
    res.setChunked(true).putHeader("content-type", "text/event-stream").writeHead();
    res.write(sse(chunk(model, new JsonObject().put("role", "assistant").put("content", ""), null)));
    vertx.setTimer(firstMs, t -> {
      first(1, arrived);
      word(vertx, res, model, words, 0);
    });
  }

  private static void word(Vertx vertx, HttpServerResponse res, String model, String[] words, int i) {
    if (res.closed()) {
      return;
    }
    if (i == words.length) {
      res.write(sse(chunk(model, new JsonObject(), "stop")));
      res.end("data: [DONE]\n\n");
      return;
    }
    res.write(sse(chunk(model, new JsonObject().put("content", (i == 0 ? "" : " ") + words[i]), null)));
    vertx.setTimer(10, t -> word(vertx, res, model, words, i + 1));
  }

  private static JsonObject chunk(String model, JsonObject delta, String finish) {
    return new JsonObject().put("id", "chatcmpl-bench").put("object", "chat.completion.chunk").put("created", 1763769600)
      .put("model", model).put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta)
        .put("finish_reason", finish)));
  }

  private static String sse(JsonObject json) {
    return "data: " + json.encode() + "\n\n";
  }

  private static void speech(Vertx vertx, HttpServerRequest req, String text, long firstMs, long arrived) {
    if (!"ulaw_8000".equals(req.getParam("output_format"))) {
      req.response().setStatusCode(400).end("{\"detail\":{\"status\":\"invalid_output_format\"}}");
      return;
    }
    HttpServerResponse res = req.response().setChunked(true).putHeader("content-type", "audio/basic");
    int total = text.length() * 480; // 60 ms of 8 kHz μ-law a character
    vertx.setTimer(firstMs, t -> {
      first(2, arrived);
      audio(vertx, res, 0, total);
    });
  }

  private static void audio(Vertx vertx, HttpServerResponse res, int from, int total) {
    if (res.closed()) {
      return;
    }
    int to = Math.min(total, from + 1600);
    byte[] chunk = new byte[to - from];
    for (int i = 0; i < chunk.length; i++) {
      chunk[i] = io.switchboard.core.audio.G711.encodeMulaw((float) (0.3 * Math.sin(2 * Math.PI * 300 * (from + i) / 8000.0)));
    }
    if (to >= total) {
      res.end(Buffer.buffer(chunk));
      return;
    }
    res.write(Buffer.buffer(chunk));
    vertx.setTimer(20, t -> audio(vertx, res, to, total));
  }
}
