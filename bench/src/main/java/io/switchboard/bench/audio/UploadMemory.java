package io.switchboard.bench.audio;

import io.switchboard.core.audio.WavWriter;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a large transcription upload costs Switchboard in memory: uploads a {@code --bytes} WAV file (default
 * 25,000,000 bytes: OpenAI's 25 MB limit) as OpenAI's multipart form to {@code POST /v1/audio/transcriptions} of a
 * {@link ProbedNode}, whose OpenAI transcription adapter sends it on to {@link MockAudioUpstream} (which holds its
 * answer a few seconds, so the node holds the request meanwhile). Around each upload it asks the node's probe for the
 * peak live heap above the idle baseline, the bytes allocated, and every allocation of 256 KiB or more with where
 * it was made (the network reads and socket writes are 64 KiB at most; anything larger is a buffer for the file). One copy of the audio is {@code --bytes}; the figures are printed in bytes and in copies.
 *
 * <p>The upload is paced at {@code --upload-mbps} megabytes a second so the probe's samples see the upload while it
 * arrives, not only after. One 1 MB upload warms the path up first. Prints one JSON line per measured upload.
 *
 * <p>Usage: {@code UploadMemory [--mesh-port 18080] [--probe-port 18099] [--bytes 25000000] [--runs 3]
 * [--upload-mbps 20]}
 */
public final class UploadMemory {

  private static final String BOUNDARY = "bench-boundary-7c1d";

  private final Vertx vertx;
  private final HttpClient client;
  /** The command line's options ({@link Args#options}), read where used. */
  private final JsonObject settings;

  private UploadMemory(Vertx vertx, JsonObject settings) {
    this.vertx = vertx;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    this.settings = settings;
  }

  public static void main(String[] args) throws Exception {
    JsonObject o = Args.options(args, new JsonObject().put("mesh-port", 18080).put("probe-port", 18099).put("bytes", 25_000_000)
      .put("runs", 3).put("upload-mbps", 20.0));
    Vertx vertx = Vertx.vertx();
    try {
      UploadMemory bench = new UploadMemory(vertx, o);
      JsonObject warm = bench.upload(wav(1_000_000)).await(120, TimeUnit.SECONDS);
      if (warm.getInteger("status") != 200) {
        throw new IllegalStateException("warm-up upload failed: " + warm.encode());
      }
      int bytes = o.getInteger("bytes");
      Buffer audio = wav(bytes);
      for (int run = 1; run <= o.getInteger("runs"); run++) {
        bench.probe("/start").await(60, TimeUnit.SECONDS);
        JsonObject result = bench.upload(audio).await(300, TimeUnit.SECONDS);
        JsonObject probe = bench.probe("/stop").await(60, TimeUnit.SECONDS);
        System.out.println(report(run, bytes, result, probe).encode());
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** A 16 kHz mono 16-bit WAV file of exactly {@code size} bytes (a quiet tone, so it is audio to every sniffer). */
  public static Buffer wav(int size) {
    int data = size - 44;
    Buffer b = Buffer.buffer(size).appendBytes(WavWriter.pcm16Header(16_000, 1, data));
    for (int i = 0; i < data / 2; i++) {
      b.appendShortLE((short) (Math.sin(i * 2 * Math.PI * 440 / 16_000) * 3000));
    }
    if (data % 2 == 1) {
      b.appendByte((byte) 0);
    }
    return b;
  }

  /** Sends the form, the audio paced in 64 KiB writes; completes with the status, the body and the time taken. */
  private Future<JsonObject> upload(Buffer audio) {
    Buffer head = Buffer.buffer()
      .appendString(field("model", "whisper-1")).appendString(field("response_format", "json"))
      .appendString("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"call.wav\"\r\n"
        + "Content-Type: audio/wav\r\n\r\n");
    Buffer tail = Buffer.buffer("\r\n--" + BOUNDARY + "--\r\n");
    long length = head.length() + (long) audio.length() + tail.length();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
      .setPort(settings.getInteger("mesh-port")).setURI("/v1/audio/transcriptions").putHeader("content-type", "multipart/form-data; boundary=" + BOUNDARY)
      .putHeader("content-length", Long.toString(length));
    long start = System.nanoTime();
    return client.request(options).compose(req -> {
      Future<JsonObject> answer = req.response().compose(res -> res.body().map(body -> new JsonObject()
        .put("status", res.statusCode()).put("body", body.toString())
        .put("elapsed_ms", (System.nanoTime() - start) / 1_000_000)));
      req.write(head);
      writePaced(req, audio, 0, start).onSuccess(v -> req.end(tail));
      return answer;
    });
  }

  private Future<Void> writePaced(HttpClientRequest req, Buffer audio, int offset, long start) {
    Promise<Void> done = Promise.promise();
    step(req, audio, offset, start, done);
    return done.future();
  }

  private void step(HttpClientRequest req, Buffer audio, int offset, long start, Promise<Void> done) {
    if (offset >= audio.length()) {
      done.complete();
      return;
    }
    int end = Math.min(audio.length(), offset + 64 * 1024);
    req.write(audio.slice(offset, end));
    long dueNanos = start + (long) (end / (settings.getDouble("upload-mbps") * 1_000_000) * 1e9);
    long waitMs = Math.max(0, (dueNanos - System.nanoTime()) / 1_000_000);
    Runnable next = () -> step(req, audio, end, start, done);
    if (req.writeQueueFull()) {
      req.drainHandler(v -> next.run());
    } else if (waitMs > 0) {
      vertx.setTimer(waitMs, t -> next.run());
    } else {
      vertx.runOnContext(v -> next.run());
    }
  }

  private static String field(String name, String value) {
    return "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
  }

  private Future<JsonObject> probe(String path) {
    return client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
        .setPort(settings.getInteger("probe-port")).setURI(path))
      .compose(req -> req.send())
      .compose(res -> res.body())
      .map(Buffer::toJsonObject);
  }

  private static JsonObject report(int run, int bytes, JsonObject result, JsonObject probe) {
    long held = probe.getLong("peak_live_heap_above_baseline_bytes");
    long allocated = probe.getLong("allocated_bytes");
    Map<String, Long> largeByPlace = new LinkedHashMap<>();
    for (Object o : probe.getJsonArray("large_allocations", new JsonArray())) {
      JsonObject a = (JsonObject) o;
      String where = String.join(" < ", a.getJsonArray("where").stream().map(String::valueOf).toList());
      largeByPlace.merge(where.isEmpty() ? "(jdk)" : where, a.getLong("bytes"), Long::sum);
    }
    JsonObject large = new JsonObject();
    largeByPlace.forEach((k, v) -> large.put(k, copies(v, bytes)));
    return new JsonObject().put("bench", "upload-memory").put("run", run).put("audio_bytes", bytes)
      .put("status", result.getInteger("status")).put("answer", result.getString("body"))
      .put("elapsed_ms", result.getLong("elapsed_ms")).put("probe_samples", probe.getInteger("samples"))
      .put("idle_live_heap_mb", mb(probe.getLong("baseline_heap_bytes")))
      .put("peak_live_heap_above_idle_mb", mb(held)).put("peak_live_heap_above_idle_copies", copies(held, bytes))
      .put("peak_direct_above_idle_mb", mb(probe.getLong("peak_direct_above_baseline_bytes")))
      .put("allocated_mb", mb(allocated)).put("allocated_copies", copies(allocated, bytes))
      .put("large_allocations_copies", copies(probe.getLong("large_allocations_bytes"), bytes))
      .put("large_allocation_threshold_bytes", probe.getLong("large_threshold_bytes"))
      .put("large_allocations_by_place_copies", large);
  }

  private static double mb(long bytes) {
    return Math.round(bytes / 10_000.0) / 100.0;
  }

  private static double copies(long bytes, int audio) {
    return Math.round(bytes * 100.0 / audio) / 100.0;
  }
}
