package io.switchboard.app.http;

import io.switchboard.core.testkit.TestAudio;
import io.switchboard.core.testkit.speech.FakeTranscriptionApi;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exact cache's expiry from outside, through the real HTTP API: with {@code cache.transcribe.ttl_ms} short, a
 * repeated transcription is a hit while its entry is fresh (the backend is not called) and a miss once the entry is
 * past its TTL (the backend is called again, and its new answer is cached afresh); {@code x-switchboard-cache} says
 * which each time.
 */
class CacheExpiryHttpTest {

  /** Long enough that two requests in a row on a loaded machine fall inside it; short enough for a quick test. */
  static final long TTL_MS = 4_000;

  static Vertx vertx;
  static FakeTranscriptionApi asr;
  static HttpTestNode node;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    asr = FakeTranscriptionApi.start(vertx).reply(ctx -> ctx.json(new JsonObject().put("language", "english")
      .put("duration", 2.0).put("text", "answered by the backend").put("segments", new JsonArray())));
    JsonArray backends = new JsonArray().add(new JsonObject().put("id", "asr").put("type", "openai-transcription")
      .put("base_url", asr.url("/v1")).put("privacy", "cloud").put("models", new JsonArray().add("whisper-1")));
    JsonObject more = new JsonObject().put("cache", new JsonObject()
      .put("transcribe", new JsonObject().put("ttl_ms", TTL_MS)));
    node = HttpTestNode.start(vertx, backends, new JsonObject(), Map.of("OPENAI_API_KEY", "sk-test-expiry-0123456789"), more);
  }

  @AfterAll
  static void stop() throws Exception {
    asr.close();
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  static HttpResponse<Buffer> transcribe(Buffer audio) throws Exception {
    Multipart form = new Multipart().field("model", "whisper-1").file("file", "call.wav", "audio/wav", audio);
    HttpResponse<Buffer> res = node.postMultipart("/v1/audio/transcriptions", form, Map.of());
    assertEquals(200, res.statusCode(), res.bodyAsString());
    assertEquals("answered by the backend", res.bodyAsJsonObject().getString("text"));
    assertEquals("asr", res.getHeader("x-switchboard-backend"));
    return res;
  }

  @Test
  void anEntryPastItsTtlIsAMissAndAFreshOneAHit() throws Exception {
    Buffer audio = TestAudio.wav(1.5, 16_000);
    asr.forget();

    // The entry is written after the request started and before its answer came: fresh until sent + TTL at least,
    // gone by answered + TTL at most.
    long sent = System.currentTimeMillis();
    assertEquals("miss", transcribe(audio).getHeader("x-switchboard-cache"), "the first request");
    long answered = System.currentTimeMillis();
    assertEquals(audio, asr.next().bytes(), "the backend answered the first request");

    HttpResponse<Buffer> fresh = transcribe(audio);
    long age = System.currentTimeMillis() - sent;
    assertTrue(age < TTL_MS, "the repeat came " + age + " ms after the first was sent, inside the TTL (a very slow machine?)");
    assertEquals("hit", fresh.getHeader("x-switchboard-cache"), "a fresh entry is a hit");
    assertTrue(asr.sawNothing(), "a hit does not call the backend");

    // Waiting out the TTL is the test: a timer past it, not a condition to poll (a poll before expiry would be a hit).
    long wait = answered + TTL_MS + 500 - System.currentTimeMillis();
    vertx.timer(Math.max(1, wait)).await(TTL_MS * 2, TimeUnit.MILLISECONDS);
    HttpResponse<Buffer> expired = transcribe(audio);
    assertEquals("miss", expired.getHeader("x-switchboard-cache"), "an entry past its TTL is a miss");
    assertEquals(audio, asr.next().bytes(), "the backend is called again once the entry expired");

    assertEquals("hit", transcribe(audio).getHeader("x-switchboard-cache"), "the answer that replaced it is cached afresh");
    assertTrue(asr.sawNothing(), "and served without the backend");
  }
}
