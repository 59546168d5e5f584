package io.switchboard.asr.whisper;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.audio.AudioDecoder;
import io.switchboard.core.audio.FfmpegDecoder;
import io.switchboard.core.audio.WavWriter;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The blocking pipeline alone: deadlines between windows and silence that is never sent to the model. */
class WhisperTranscriberTest {

  private static WhisperSession session;
  private static WhisperSettings settings;

  @BeforeAll
  static void load() {
    settings = WhisperSettings.fromConf(TestModel.conf("t", new JsonObject()));
    session = WhisperSession.open(WhisperModels.DEFAULT_MODEL, TestModel.path(), 1, 1);
  }

  @AfterAll
  static void close() {
    session.close();
  }

  private static WhisperTranscriber transcriber(AtomicLong clock) {
    return new WhisperTranscriber(new AudioDecoder(new FfmpegDecoder("ffmpeg", 10_000)), settings,
      Map.of(WhisperModels.DEFAULT_MODEL, session), clock::getAndIncrement);
  }

  @Test
  void longSilenceYieldsNoTextAndNoInventedWords() {
    JsonObject r = transcriber(new AtomicLong()).transcribe(WavWriter.pcm16(new float[16000 * 65], 16000), null, null, "en", 1000);
    assertEquals("", r.getString("text"));
    assertEquals(0, r.getJsonArray("segments").size());
    assertEquals(65.0, r.getDouble("duration"), 1e-9);
  }

  @Test
  void workStopsAtTheDeadlineBetweenWindows() {
    byte[] wav = WavWriter.pcm16(new float[16000 * 65], 16000);
    MeshException before = assertThrows(MeshException.class,
      () -> transcriber(new AtomicLong(5000)).transcribe(wav, null, null, "en", 1000));
    assertEquals(ErrorCode.TIMEOUT, before.errorCode());
    assertEquals("deadline passed after 0 of 3 audio windows", before.getMessage());
    // The clock ticks once per check: the deadline falls after the second window.
    MeshException during = assertThrows(MeshException.class,
      () -> transcriber(new AtomicLong(0)).transcribe(wav, null, null, "en", 2));
    assertEquals("deadline passed after 2 of 3 audio windows", during.getMessage());
  }
}
