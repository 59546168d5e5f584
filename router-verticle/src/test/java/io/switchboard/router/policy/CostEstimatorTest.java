package io.switchboard.router.policy;

import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.ChatRequest;
import io.switchboard.api.Health;
import io.switchboard.api.Prices;
import io.switchboard.api.Privacy;
import io.switchboard.api.SpeechRequest;
import io.switchboard.api.TranscriptionRequest;
import io.switchboard.core.audio.WavWriter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Request sizes and their price on a backend, for every capability. */
class CostEstimatorTest {

  static BackendDescriptor priced(Capability capability, Prices prices) {
    return new BackendDescriptor("x", "x@1", "test", Set.of(capability), List.of(), Map.of(), Privacy.CLOUD, 1,
      Map.of("*", prices, "cheap-model", Prices.FREE), 1, Health.UP, false);
  }

  static ChatRequest chat(String text, Integer maxTokens) {
    JsonObject body = new JsonObject().put("model", "m")
      .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text)));
    if (maxTokens != null) {
      body.put("max_tokens", maxTokens);
    }
    return ChatRequest.fromJson(body);
  }

  @Test
  void chatUsesMaxTokensOrTheConfiguredDefault() {
    CostEstimator costs = new CostEstimator(300);
    ChatRequest withMax = chat("x".repeat(400), 50);
    assertEquals(new RequestSize(100 + 4 + 3, 50, 0, 0), costs.chat(withMax));
    assertEquals(300, costs.chat(chat("hi", null)).outputTokens());
    BackendDescriptor d = priced(Capability.CHAT, new Prices(2.0, 8.0, 0, 0, 0));
    assertEquals((107 * 2.0 + 50 * 8.0) / 1_000_000, CostEstimator.estimate(d, "m", Capability.CHAT, costs.chat(withMax)), 1e-15);
    assertEquals(0, CostEstimator.estimate(d, "cheap-model", Capability.CHAT, costs.chat(withMax)), "the model's own price table wins");
  }

  @Test
  void speechIsPricedByCharacters() {
    SpeechRequest r = SpeechRequest.fromJson(new JsonObject().put("model", "tts").put("input", "a".repeat(1500)));
    RequestSize size = CostEstimator.speech(r);
    assertEquals(1500, size.characters());
    assertEquals(100, size.audioSeconds(), 1e-9);
    assertEquals(1.5 * 0.03, CostEstimator.estimate(priced(Capability.SPEECH, new Prices(0, 0, 0, 0.03, 0)), "tts", Capability.SPEECH, size), 1e-12);
  }

  @Test
  void transcriptionReadsWavDurationFromTheHeader() {
    float[] samples = new float[16_000 * 3];
    Buffer wav = WavWriter.pcm16Buffer(samples, 16_000);
    TranscriptionRequest r = TranscriptionRequest.fromJson(new JsonObject().put("model", "whisper").put("filename", "a.wav"));
    RequestSize size = CostEstimator.transcription(r, wav);
    assertEquals(3.0, size.audioSeconds(), 1e-9);
    assertEquals(3.0 / 60 * 0.006, CostEstimator.estimate(priced(Capability.TRANSCRIBE, new Prices(0, 0, 0.006, 0, 0)), "whisper",
      Capability.TRANSCRIBE, size), 1e-12);
  }

  /** A WAV header cut anywhere (a 30-byte upload ends inside the fmt chunk) is estimated, never an exception. */
  @Test
  void aWavHeaderCutShortAtAnyByteIsEstimatedNotThrown() {
    Buffer wav = WavWriter.pcm16Buffer(new float[1600], 16_000);
    for (int cut = 0; cut <= 44; cut++) {
      double seconds = AudioSeconds.estimate(wav.getBuffer(0, cut), "audio/wav", "a.wav");
      assertTrue(seconds >= 0 && seconds < 1, "cut at " + cut + ": " + seconds);
    }
  }

  @Test
  void compressedAudioIsGuessedFromATypicalBitrate() {
    Buffer mp3 = Buffer.buffer(new byte[160_000]);
    assertEquals(10.0, AudioSeconds.estimate(mp3, "audio/mpeg", "talk.mp3"), 1e-9);
    assertEquals(40.0, AudioSeconds.estimate(mp3, "audio/ogg", null), 1e-9);
  }

  @Test
  void embeddingsCountInputTokensOnly() {
    var r = io.switchboard.api.EmbeddingRequest.fromJson(new JsonObject().put("model", "e").put("input", "x".repeat(4000)));
    RequestSize size = CostEstimator.embedding(r);
    assertEquals(1001, size.inputTokens());
    assertEquals(0.02 * 1001 / 1_000_000, CostEstimator.estimate(priced(Capability.EMBED, new Prices(0.02, 99, 0, 0, 0)), "e",
      Capability.EMBED, size), 1e-15);
  }

  @Test
  void retryBackoffGrowsIsJitteredAndHonoursRetryAfter() {
    RetryPolicy p = new RetryPolicy(3, 100, 1000);
    assertEquals(50, p.delayMs(0, 0, 0.0));
    assertEquals(99, p.delayMs(0, 0, 0.999), 1);
    assertEquals(200, p.delayMs(2, 0, 0.0));
    assertEquals(500, p.delayMs(10, 0, 0.0), "capped at max_ms");
    assertEquals(1000, p.delayMs(0, 1000, 0.5), "never sooner than Retry-After");
  }
}
