package io.switchboard.bench.audio;

import io.switchboard.bench.BenchKit;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Locale;

/**
 * A speech and transcription upstream for the audio benchmarks, speaking the real wire formats on 127.0.0.1:
 * <ul>
 *   <li>OpenAI {@code POST /v1/audio/speech} (bearer key) and ElevenLabs
 *       {@code POST /v1/text-to-speech/{voice_id}/stream} ({@code xi-api-key}): once the JSON body is read, a 200
 *       with a chunked {@code audio/mpeg} body whose headers go out at once; the first audio chunk follows after
 *       {@code --first-ms}, then {@code --chunks - 1} more every {@code --interval-ms}. Each chunk is
 *       {@code --chunk-bytes} of an MP3-looking frame pattern, written and flushed on its own; the first one carries
 *       the mock's clock readings (see {@link #stamped}).</li>
 *   <li>OpenAI {@code POST /v1/audio/transcriptions} (multipart): the body is read and counted, never kept (so
 *       the mock's own memory stays out of the figures), and after {@code --hold-ms} it answers
 *       {@code verbose_json} with the number of bytes it received in {@code text}.</li>
 * </ul>
 * Usage: {@code MockAudioUpstream --port 18091 [--first-ms 20] [--chunks 10] [--chunk-bytes 4096]
 * [--interval-ms 10] [--hold-ms 3000]}
 */
public final class MockAudioUpstream {

  private MockAudioUpstream() {
  }

  public static void main(String[] args) {
    JsonObject o = Args.options(args, new JsonObject().put("port", 18091).put("first-ms", 20).put("chunks", 10)
      .put("chunk-bytes", 4096).put("interval-ms", 10).put("hold-ms", 3000));
    Vertx vertx = BenchKit.oneLoop();
    Buffer chunk = mp3Chunk(o.getInteger("chunk-bytes"));
    int chunks = o.getInteger("chunks");
    long firstMs = o.getLong("first-ms");
    long intervalMs = o.getLong("interval-ms");
    BenchKit.server(vertx, o.getInteger("port"))
      .requestHandler(req -> {
        String path = req.path();
        if (path.equals("/v1/audio/speech")) {
          speech(vertx, req, "authorization", chunk, chunks, firstMs, intervalMs);
        } else if (path.startsWith("/v1/text-to-speech/") && path.endsWith("/stream")) {
          speech(vertx, req, "xi-api-key", chunk, chunks, firstMs, intervalMs);
        } else if (path.equals("/v1/audio/transcriptions")) {
          transcription(vertx, req, o.getLong("hold-ms"));
        } else {
          error(req.response(), 404, "not_found", "no route " + path);
        }
      })
      .listen().await();
    System.out.println("mock audio upstream on 127.0.0.1, options " + o.encode());
  }

  private static void speech(Vertx vertx, HttpServerRequest req, String keyHeader, Buffer chunk, int chunks, long firstMs, long intervalMs) {
    if (req.getHeader(keyHeader) == null) {
      error(req.response(), 401, "invalid_api_key", "missing " + keyHeader);
      return;
    }
    req.body().onSuccess(body -> {
      long receivedNanos = System.nanoTime();
      JsonObject json;
      try {
        json = body.toJsonObject();
      } catch (RuntimeException e) {
        error(req.response(), 400, "invalid_request_error", "body is not JSON");
        return;
      }
      if (json.getString("input", json.getString("text", "")).isEmpty()) {
        error(req.response(), 400, "invalid_request_error", "input is required");
        return;
      }
      HttpServerResponse res = req.response().setChunked(true).putHeader("content-type", "audio/mpeg");
      res.writeHead();
      vertx.setTimer(Math.max(1, firstMs), t -> stream(vertx, res, chunk, chunks, 1, intervalMs, receivedNanos));
    });
  }

  /** Writes chunk number {@code n} and schedules the next; a client that went away stops the stream. */
  private static void stream(Vertx vertx, HttpServerResponse res, Buffer chunk, int chunks, int n, long intervalMs, long receivedNanos) {
    if (res.closed()) {
      return;
    }
    Buffer data = n == 1 ? stamped(chunk, receivedNanos) : chunk;
    if (n == chunks) {
      res.end(data);
      return;
    }
    res.write(data);
    vertx.setTimer(Math.max(1, intervalMs), t -> stream(vertx, res, chunk, chunks, n + 1, intervalMs, receivedNanos));
  }

  private static void transcription(Vertx vertx, HttpServerRequest req, long holdMs) {
    String type = req.getHeader("content-type");
    if (req.getHeader("authorization") == null) {
      error(req.response(), 401, "invalid_api_key", "missing authorization");
      return;
    }
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
      error(req.response(), 400, "invalid_request_error", "expected multipart/form-data");
      return;
    }
    long[] received = {0};
    req.handler(b -> received[0] += b.length());
    req.endHandler(v -> vertx.setTimer(Math.max(1, holdMs), t -> {
      double seconds = 1.0;
      JsonObject verbose = new JsonObject().put("task", "transcribe").put("language", "english").put("duration", seconds)
        .put("text", "received " + received[0] + " bytes")
        .put("segments", new JsonArray().add(new JsonObject().put("id", 0).put("start", 0.0).put("end", seconds)
          .put("text", "received " + received[0] + " bytes")));
      req.response().putHeader("content-type", "application/json").end(verbose.toBuffer());
    }));
  }

  private static void error(HttpServerResponse res, int status, String code, String message) {
    res.setStatusCode(status).putHeader("content-type", "application/json")
      .end(new JsonObject().put("error", new JsonObject().put("message", message).put("type", code).put("code", code)).toBuffer());
  }

  /**
   * The first chunk carries two {@link System#nanoTime()} stamps (the clock is shared by every process on the
   * machine): when the request was read (bytes 8..15) and when the chunk is written (16..23), so the client can split
   * its time to first audio into the request leg, the upstream's own delay and the response leg.
   */
  private static Buffer stamped(Buffer chunk, long receivedNanos) {
    return chunk.copy().setLong(8, receivedNanos).setLong(16, System.nanoTime());
  }

  /** MPEG-1 layer III frame headers (0xFFFB) followed by a filler pattern: looks like MP3 to a sniffer. */
  private static Buffer mp3Chunk(int size) {
    byte[] bytes = new byte[size];
    for (int i = 0; i < size; i++) {
      bytes[i] = (byte) (i % 418 == 0 ? 0xFF : i % 418 == 1 ? 0xFB : i % 418 == 2 ? 0x90 : (i * 31) & 0x7F);
    }
    return Buffer.buffer(bytes);
  }
}
