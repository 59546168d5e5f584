package io.switchboard.app.http;

import io.switchboard.core.testkit.Await;
import io.switchboard.core.testkit.TestVertx;
import io.switchboard.core.testkit.speech.FakeSpeechApi;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.Socket;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code POST /v1/audio/speech} whose client stops reading and goes away while the mesh waits for the HTTP write queue
 * to drain: the real OpenAI speech adapter must drop its upstream call at once, not when a credit or idle timeout
 * (60 s here, every one of them) finally notices. The fake upstream sends audio for as long as the adapter reads
 * it (with back-pressure), so a client that reads only the response head backs the whole stream up to the fake.
 */
class SpeechClientGoneHttpTest {

  static final String OPENAI_KEY = "sk-test-speech-0123456789abcdef";
  /** Every timeout that would also end the held stream: well above the wait below, so only the cancel can pass it. */
  static final int LONG_MS = 60_000;
  /** How long the upstream connection may stay open after the client left: far below {@link #LONG_MS}. */
  static final int CANCEL_WAIT_S = 15;
  static final int CHUNK = 64 * 1024;
  /** The most the fake sends before it ends the body: far more than every buffer between it and the client holds. */
  static final long MAX_BYTES = 512L * 1024 * 1024;

  @RegisterExtension
  static final TestVertx vx = new TestVertx();
  static final Vertx vertx = vx.get();
  static FakeSpeechApi fake;
  static HttpTestNode node;

  @BeforeAll
  static void start() throws Exception {
    fake = FakeSpeechApi.start(vertx);
    JsonObject timeouts = new JsonObject().put("connect_ms", 2000).put("first_byte_ms", 10_000).put("idle_ms", LONG_MS);
    JsonArray backends = new JsonArray()
      .add(new JsonObject().put("id", "openai-tts").put("type", "openai-speech").put("base_url", fake.url("/v1"))
        .put("models", new JsonArray().add("tts-1")).put("timeouts", timeouts).put("verticle", new JsonObject().put("credit_timeout_ms", LONG_MS)));
    node = HttpTestNode.start(vertx, backends, new JsonObject().put("stream_idle_timeout_ms", LONG_MS), Map.of("OPENAI_API_KEY", OPENAI_KEY));
  }

  @AfterAll
  static void stop() {
    fake.close();
  }

  /** What the fake's audio stream has done: bytes sent, and since when it waits for the adapter to read (0: it does not). */
  static final class Upstream {
    final AtomicLong sent = new AtomicLong();
    final AtomicLong waitingSinceNanos = new AtomicLong();

    /** True when the adapter has read nothing for {@code ms}: the stream is backed up all the way to the fake. */
    boolean backedUpFor(long ms) {
      long since = waitingSinceNanos.get();
      return since != 0 && System.nanoTime() - since > TimeUnit.MILLISECONDS.toNanos(ms);
    }
  }

  /** Audio in 64 KiB writes while the adapter reads it, waiting for a drain whenever the write queue is full. */
  private static Consumer<RoutingContext> endlessAudio(Upstream upstream) {
    return ctx -> {
      HttpServerResponse res = ctx.response().setChunked(true).putHeader("content-type", "audio/mpeg");
      Runnable[] pump = new Runnable[1];
      pump[0] = () -> {
        upstream.waitingSinceNanos.set(0);
        while (!res.writeQueueFull()) {
          if (res.closed()) {
            return;
          }
          if (upstream.sent.get() >= MAX_BYTES) {
            res.end();
            return;
          }
          res.write(Buffer.buffer(new byte[CHUNK]));
          upstream.sent.addAndGet(CHUNK);
        }
        upstream.waitingSinceNanos.set(System.nanoTime());
        res.drainHandler(v -> pump[0].run());
      };
      pump[0].run();
    };
  }

  @Test
  void aClientThatLeavesWhileTheWriteQueueIsFullCancelsTheUpstreamCall() throws Exception {
    Upstream upstream = new Upstream();
    fake.forget();
    fake.reply(endlessAudio(upstream));
    byte[] request = RawHttp.request("POST", "/v1/audio/speech",
      Map.of("content-type", "application/json", "x-switchboard-provider", "openai-tts"),
      new JsonObject().put("model", "tts-1").put("input", "A long speech nobody listens to.").put("voice", "alloy")
        .put("response_format", "mp3").toBuffer());
    try (Socket client = RawHttp.sendAndReadHead(node.port, request)) {
      fake.next();
      // Read nothing more: the server's write queue fills, then the bus stream and the adapter stop, then the fake.
      Await.until("the audio backed up to the fake upstream", 60_000,
        () -> upstream.backedUpFor(2000));
    }
    try {
      fake.closed().await(CANCEL_WAIT_S, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      fail("the client left " + CANCEL_WAIT_S + " s ago, but the upstream connection is still open: the speech stream was "
        + "not cancelled (it would end only at the " + LONG_MS + " ms credit timeout); the fake sent " + upstream.sent.get() + " bytes");
    }
    assertTrue(upstream.sent.get() < MAX_BYTES, "the fake never finished its audio: " + upstream.sent.get());
  }
}
