package io.switchboard.asr.whisper;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.extensions.OrtxPackage;
import io.switchboard.core.backend.BackendUnavailableException;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * One Whisper model loaded in ONNX Runtime. The graph is Microsoft's "Whisper with beam search" end-to-end export:
 * 16 kHz mono float PCM in ({@code audio_pcm} [1, N], at most 30 s), the log-mel front end, encoder, beam-search
 * decoder and tokenizer inside (the audio and text steps are onnxruntime-extensions custom ops), text out
 * ({@code str} [1, 1]). The session is created once and shared: {@code OrtSession.run} is thread-safe, so every
 * worker thread uses it at once. Blocking; never call it on an event loop.
 */
final class WhisperSession implements AutoCloseable {

  static final int SAMPLE_RATE = 16_000;
  static final int MAX_SAMPLES = 30 * SAMPLE_RATE;
  /** Whisper's decoder context: no window yields more tokens than this. */
  private static final int MAX_TOKENS = 448;
  private static final Set<String> INPUTS = Set.of("audio_pcm", "max_length", "min_length", "num_beams", "num_return_sequences",
    "length_penalty", "repetition_penalty");

  private final OrtEnvironment env;
  private final OrtSession session;
  private final String name;
  private final int beams;

  private WhisperSession(OrtEnvironment env, OrtSession session, String name, int beams) {
    this.env = env;
    this.session = session;
    this.name = name;
    this.beams = beams;
  }

  /**
   * Loads {@code model}. Throws {@link BackendUnavailableException} when the file is not a Whisper export of the
   * expected form (its inputs are named in the message).
   */
  static WhisperSession open(String name, Path model, int intraOpThreads, int beams) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.registerCustomOpLibrary(OrtxPackage.getLibraryPath());
      options.setIntraOpNumThreads(intraOpThreads);
      options.setInterOpNumThreads(1);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      OrtSession session = env.createSession(model.toString(), options);
      Map<String, NodeInfo> inputs = session.getInputInfo();
      if (!inputs.keySet().containsAll(INPUTS) || !session.getOutputInfo().containsKey("str")) {
        Set<String> names = inputs.keySet();
        session.close();
        throw new BackendUnavailableException(model + " is not a Whisper beam-search ONNX export (inputs " + names
          + "; expected " + INPUTS + " and output 'str')");
      }
      return new WhisperSession(env, session, name, beams);
    } catch (OrtException e) {
      throw new BackendUnavailableException("cannot load Whisper model " + model + ": " + e.getMessage());
    }
  }

  String name() {
    return name;
  }

  /** The text of {@code pcm[from, to)} (at most 30 s of 16 kHz audio), trimmed. */
  String transcribe(float[] pcm, int from, int to) throws OrtException {
    int n = to - from;
    if (n <= 0 || n > MAX_SAMPLES) {
      throw new IllegalArgumentException("a Whisper window holds 1 to " + MAX_SAMPLES + " samples, not " + n);
    }
    Map<String, OnnxTensor> feed = new HashMap<>();
    try {
      feed.put("audio_pcm", OnnxTensor.createTensor(env, FloatBuffer.wrap(pcm, from, n), new long[]{1, n}));
      feed.put("max_length", OnnxTensor.createTensor(env, new int[]{MAX_TOKENS}));
      feed.put("min_length", OnnxTensor.createTensor(env, new int[]{1}));
      feed.put("num_beams", OnnxTensor.createTensor(env, new int[]{beams}));
      feed.put("num_return_sequences", OnnxTensor.createTensor(env, new int[]{1}));
      feed.put("length_penalty", OnnxTensor.createTensor(env, new float[]{1f}));
      feed.put("repetition_penalty", OnnxTensor.createTensor(env, new float[]{1f}));
      try (OrtSession.Result result = session.run(feed, Set.of("str"))) {
        Object value = result.get(0).getValue();
        return firstString(value).strip();
      }
    } finally {
      feed.values().forEach(OnnxTensor::close);
    }
  }

  private static String firstString(Object value) {
    if (value instanceof String[][] rows && rows.length > 0 && rows[0].length > 0) {
      return rows[0][0] == null ? "" : rows[0][0];
    }
    if (value instanceof String[] row && row.length > 0) {
      return row[0] == null ? "" : row[0];
    }
    return "";
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      // closing a session only frees native memory; nothing left to do on failure
    }
  }
}
