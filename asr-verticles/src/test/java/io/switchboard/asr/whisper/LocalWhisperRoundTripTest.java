package io.switchboard.asr.whisper;

import io.switchboard.api.TranscriptionRequest;
import io.switchboard.core.backend.CallContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Speech from a TTS we did not write (flite, two voices) through the real local Whisper backend, scored by word
 * error rate: twelve sentences, a meeting of over a minute and a story of over two minutes (both must be cut into
 * windows), then the same clips as 8 kHz μ-law and 44.1 kHz stereo WAV.
 */
class LocalWhisperRoundTripTest {

  private static Vertx vertx;
  private static LocalWhisperBackend backend;
  private static List<SpeechCorpus.Clip> clips;
  private static Map<String, JsonObject> baseline;

  @BeforeAll
  static void setUp() throws Exception {
    TestModel.path();
    clips = new ArrayList<>(SpeechCorpus.shortClips());
    clips.add(SpeechCorpus.meeting());
    clips.add(SpeechCorpus.story());
    vertx = Vertx.vertx();
    backend = (LocalWhisperBackend) new LocalWhisperProvider().create(vertx,
      TestModel.conf("whisper-roundtrip", new JsonObject().put("workers", 2).put("intra_op_threads", 1)));
    backend.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void tearDown() throws Exception {
    backend.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void fliteSpeechIsTranscribedWithinFifteenPercentWordErrorRate() throws Exception {
    Map<String, JsonObject> results = baseline();
    WordErrorRate.Score total = report("16 kHz WAV", results);
    assertTrue(total.rate() <= 0.15, "overall WER " + percent(total.rate()) + " exceeds 15%");
    for (String name : List.of("meeting", "story")) {
      SpeechCorpus.Clip clip = clip(name);
      double wer = WordErrorRate.score(clip.text(), results.get(name).getString("text")).rate();
      assertTrue(wer <= 0.15, name + ": cutting must not lose words, WER " + percent(wer));
    }
  }

  @Test
  void longClipsAreCutIntoTimedSegmentsOfAtMostThirtySeconds() throws Exception {
    JsonObject meeting = baseline().get("meeting");
    JsonObject story = baseline().get("story");
    assertTrue(meeting.getDouble("duration") > 60, "fixture: meeting lasts " + meeting.getDouble("duration"));
    assertTrue(story.getDouble("duration") > 120, "fixture: story lasts " + story.getDouble("duration"));
    for (JsonObject r : List.of(meeting, story)) {
      JsonArray segments = r.getJsonArray("segments");
      assertTrue(segments.size() >= Math.ceil(r.getDouble("duration") / 30), "segments: " + segments.size());
      double previousEnd = 0;
      for (int i = 0; i < segments.size(); i++) {
        JsonObject s = segments.getJsonObject(i);
        assertEquals(i, s.getInteger("id"));
        assertTrue(s.getDouble("start") >= previousEnd - 1e-9, "segments in order");
        assertTrue(s.getDouble("end") - s.getDouble("start") <= 30.0 + 1e-9, "window longer than 30 s: " + s);
        assertTrue(!s.getString("text").isBlank());
        previousEnd = s.getDouble("end");
      }
      assertEquals(r.getDouble("duration"), previousEnd, 1.2, "the last segment ends near the end of the audio");
      assertEquals("en", r.getString("language"));
      assertEquals(WhisperModels.DEFAULT_MODEL, r.getString("model"));
    }
  }

  @Test
  void telephonyAndCdQualityCopiesScoreWithinFivePointsOfTheOriginal() throws Exception {
    double original = report("16 kHz WAV (baseline)", baseline()).rate();
    WordErrorRate.Score mulaw = report("8 kHz μ-law WAV", transcribeAll(SpeechCorpus::mulaw8k));
    WordErrorRate.Score stereo = report("44.1 kHz stereo WAV", transcribeAll(SpeechCorpus::stereo44k));
    assertTrue(mulaw.rate() <= original + 0.05, "μ-law WER " + percent(mulaw.rate()) + " vs " + percent(original));
    assertTrue(stereo.rate() <= original + 0.05, "44.1 kHz stereo WER " + percent(stereo.rate()) + " vs " + percent(original));
  }

  private static synchronized Map<String, JsonObject> baseline() throws Exception {
    if (baseline == null) {
      baseline = transcribeAll(SpeechCorpus.Clip::wav);
    }
    return baseline;
  }

  /** Sends every clip at once (the backend's two workers take them in turn) and waits for all. */
  private static Map<String, JsonObject> transcribeAll(ClipBytes bytes) throws Exception {
    long start = System.nanoTime();
    Map<String, Future<JsonObject>> pending = new LinkedHashMap<>();
    double audioSeconds = 0;
    for (SpeechCorpus.Clip clip : clips) {
      TranscriptionRequest request = TranscriptionRequest.fromJson(new JsonObject().put("model", "whisper-1")
        .put("filename", clip.name() + ".wav"));
      pending.put(clip.name(), backend.transcribe(request, Buffer.buffer(bytes.of(clip)),
        new CallContext("test-" + clip.name(), null, System.currentTimeMillis() + 300_000)));
    }
    Map<String, JsonObject> out = new LinkedHashMap<>();
    for (Map.Entry<String, Future<JsonObject>> e : pending.entrySet()) {
      JsonObject r = e.getValue().toCompletionStage().toCompletableFuture().get(300, TimeUnit.SECONDS);
      out.put(e.getKey(), r);
      audioSeconds += r.getDouble("duration");
    }
    double wall = (System.nanoTime() - start) / 1e9;
    System.out.printf(Locale.ROOT, "transcribed %.1f s of audio in %.1f s (real-time factor %.3f with 2 workers)%n",
      audioSeconds, wall, wall / audioSeconds);
    return out;
  }

  private static WordErrorRate.Score report(String variant, Map<String, JsonObject> results) {
    WordErrorRate.Score total = new WordErrorRate.Score(0, 0);
    System.out.println("== " + variant);
    for (SpeechCorpus.Clip clip : clips) {
      JsonObject r = results.get(clip.name());
      String text = r.getString("text");
      WordErrorRate.Score s = WordErrorRate.score(clip.text(), text);
      total = total.plus(s);
      System.out.printf(Locale.ROOT, "  %-18s %6.1f s  WER %6s  %s%n", clip.name(), r.getDouble("duration"), percent(s.rate()),
        s.errors() == 0 ? "" : "| " + text);
    }
    System.out.printf(Locale.ROOT, "  overall WER %s (%d errors / %d words)%n", percent(total.rate()), total.errors(),
      total.referenceWords());
    return total;
  }

  private static SpeechCorpus.Clip clip(String name) {
    return clips.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
  }

  private static String percent(double rate) {
    return String.format(Locale.ROOT, "%.1f%%", rate * 100);
  }

  @FunctionalInterface
  private interface ClipBytes {
    byte[] of(SpeechCorpus.Clip clip) throws Exception;
  }
}
