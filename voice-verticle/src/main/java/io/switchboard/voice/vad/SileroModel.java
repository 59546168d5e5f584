package io.switchboard.voice.vad;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Silero VAD v5/v6 loaded in ONNX Runtime, at 16 kHz: each step takes a window of {@link #WINDOW} new samples with
 * the {@link #CONTEXT} samples before it prepended ([b, 576] float in [-1, 1]) and the recurrent state
 * ([2, b, 128]), and gives the speech probability of the window and the next state. Several calls' windows run as
 * one batch (one row each), which costs far less than as many single runs. The session is shared and
 * {@code OrtSession.run} is thread-safe; blocking, never on an event loop.
 */
public final class SileroModel implements AutoCloseable {

  public static final int SAMPLE_RATE = 16_000;
  /** Samples per window at 16 kHz (32 ms): the only size the model takes at this rate. */
  public static final int WINDOW = 512;
  /** Samples of the previous window prepended to each input. */
  public static final int CONTEXT = 64;
  public static final int STATE = 128;
  private static final Set<String> INPUTS = Set.of("input", "state", "sr");

  private final OrtEnvironment env;
  private final OrtSession session;
  private final OnnxTensor rate;

  private SileroModel(OrtEnvironment env, OrtSession session, OnnxTensor rate) {
    this.env = env;
    this.session = session;
    this.rate = rate;
  }

  /**
   * Loads the model at {@code file}; {@code threads} intra-op threads per run (1 is right for this small graph: the
   * parallelism is across calls). Throws {@link IllegalStateException} when the file is not a Silero v5/v6 graph.
   */
  public static SileroModel load(Path file, int threads) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      OrtSession session = env.createSession(file.toString(), options);
      if (!session.getInputInfo().keySet().equals(INPUTS)) {
        Set<String> names = session.getInputInfo().keySet();
        session.close();
        throw new IllegalStateException(file + " is not a Silero VAD v5/v6 model (inputs " + names + ", expected " + INPUTS + ")");
      }
      OnnxTensor rate = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[]{SAMPLE_RATE}), new long[0]);
      return new SileroModel(env, session, rate);
    } catch (OrtException e) {
      throw new IllegalStateException("cannot load the Silero VAD model " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * One step for {@code batch} streams: {@code input} holds {@code batch} rows of {@code CONTEXT + WINDOW} samples,
   * {@code state} the streams' states laid out as [2][batch][128] (row {@code i} of stream {@code i}); the new
   * states are written back into {@code state} and the speech probabilities into {@code probabilities}.
   */
  public void step(int batch, float[] input, float[] state, float[] probabilities) throws OrtException {
    int width = CONTEXT + WINDOW;
    try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(input, 0, batch * width), new long[]{batch, width});
         OnnxTensor st = OnnxTensor.createTensor(env, FloatBuffer.wrap(state, 0, 2 * batch * STATE), new long[]{2, batch, STATE});
         OrtSession.Result out = session.run(Map.of("input", in, "state", st, "sr", rate))) {
      FloatBuffer probs = ((OnnxTensor) out.get("output").orElseThrow()).getFloatBuffer();
      probs.get(probabilities, 0, batch);
      FloatBuffer next = ((OnnxTensor) out.get("stateN").orElseThrow()).getFloatBuffer();
      next.get(state, 0, 2 * batch * STATE);
    }
  }

  @Override
  public void close() {
    try {
      rate.close();
      session.close();
    } catch (OrtException e) {
      // closing: nothing left to do with it
    }
  }
}
