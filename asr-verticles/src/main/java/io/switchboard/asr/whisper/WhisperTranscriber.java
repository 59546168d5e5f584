package io.switchboard.asr.whisper;

import ai.onnxruntime.OrtException;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.core.audio.AudioDecoder;
import io.switchboard.core.audio.PcmAudio;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The blocking transcription pipeline, given its collaborators: decode the upload to 16 kHz mono, pick the model
 * for its duration, cut it into windows of at most 30 s at pauses, run each window through Whisper and join the
 * texts. One segment per window, timed from the window's bounds (the graph returns text without timestamps).
 * Runs on a worker thread; checks the deadline between windows so abandoned work stops early.
 */
final class WhisperTranscriber {

  private static final System.Logger LOG = System.getLogger(WhisperTranscriber.class.getName());

  private final AudioDecoder decoder;
  private final WhisperSettings settings;
  private final Map<String, WhisperSession> sessions;
  private final WindowCutter cutter;
  private final LongSupplier clock;

  WhisperTranscriber(AudioDecoder decoder, WhisperSettings settings, Map<String, WhisperSession> sessions, LongSupplier clock) {
    this.decoder = decoder;
    this.settings = settings;
    this.sessions = sessions;
    this.cutter = new WindowCutter(WhisperSession.SAMPLE_RATE, 30, settings.cutSearchSeconds());
    this.clock = clock;
  }

  /**
   * The verbose transcript {@code {"text","language","duration","model","segments":[{"id","start","end","text"}]}}.
   *
   * @param deadlineMs epoch ms after which the work is abandoned with 504
   */
  JsonObject transcribe(byte[] audio, String contentType, String filename, String language, long deadlineMs) {
    PcmAudio pcm = decoder.decode(audio, contentType, filename, WhisperSession.SAMPLE_RATE, settings.maxAudioSeconds());
    double duration = pcm.durationSeconds();
    WhisperSettings.ModelRange range = settings.modelFor(duration);
    WhisperSession session = sessions.get(range.name());
    List<WindowCutter.Window> windows = cutter.cut(pcm.samples());
    JsonArray segments = new JsonArray();
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < windows.size(); i++) {
      if (clock.getAsLong() >= deadlineMs) {
        throw new MeshException(ErrorCode.TIMEOUT, "deadline passed after " + i + " of " + windows.size() + " audio windows");
      }
      WindowCutter.Window w = windows.get(i);
      if (w.silent()) {
        continue;
      }
      String windowText = run(session, pcm.samples(), w);
      if (windowText.isEmpty()) {
        continue;
      }
      segments.add(new JsonObject()
        .put("id", segments.size())
        .put("start", seconds(w.start()))
        .put("end", seconds(w.end()))
        .put("text", windowText));
      if (!text.isEmpty()) {
        text.append(' ');
      }
      text.append(windowText);
    }
    return new JsonObject()
      .put("text", text.toString())
      .put("language", language)
      .put("duration", Math.round(duration * 1000) / 1000.0)
      .put("model", range.name())
      .put("segments", segments);
  }

  private static String run(WhisperSession session, float[] samples, WindowCutter.Window w) {
    try {
      return session.transcribe(samples, w.start(), w.end());
    } catch (OrtException e) {
      LOG.log(System.Logger.Level.WARNING, "Whisper inference failed on a " + seconds(w.length()) + " s window", e);
      throw new MeshException(ErrorCode.INTERNAL, "Whisper inference failed (" + e.getCode() + ")");
    }
  }

  private static double seconds(int samples) {
    return Math.round(samples * 100.0 / WhisperSession.SAMPLE_RATE) / 100.0;
  }
}
