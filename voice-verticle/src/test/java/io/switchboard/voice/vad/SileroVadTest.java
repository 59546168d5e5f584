package io.switchboard.voice.vad;

import io.switchboard.voice.testkit.Flite;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real Silero VAD v6 (pulled like in production) on flite speech and on silence, alone and batched. */
class SileroVadTest {

  private static SileroModel model;

  @BeforeAll
  static void load() {
    model = SileroModel.load(TestVad.path(), 1);
  }

  @AfterAll
  static void close() {
    model.close();
  }

  private static float[] probabilities(float[] audio16k) throws Exception {
    int width = SileroModel.CONTEXT + SileroModel.WINDOW;
    float[] state = new float[2 * SileroModel.STATE];
    float[] input = new float[width];
    float[] p = new float[1];
    List<Float> out = new ArrayList<>();
    for (int at = 0; at + SileroModel.WINDOW <= audio16k.length; at += SileroModel.WINDOW) {
      Arrays.fill(input, 0);
      int ctx = Math.min(at, SileroModel.CONTEXT);
      System.arraycopy(audio16k, at - ctx, input, SileroModel.CONTEXT - ctx, ctx + SileroModel.WINDOW);
      model.step(1, input, state, p);
      out.add(p[0]);
    }
    float[] r = new float[out.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = out.get(i);
    }
    return r;
  }

  @Test
  void speechIsSpeechAndSilenceIsNot() throws Exception {
    float[] speech = Flite.speak16k("The train to Lyon leaves at half past nine from platform four.");
    float[] withSilence = new float[16_000 + speech.length + 16_000];
    System.arraycopy(speech, 0, withSilence, 16_000, speech.length);
    float[] p = probabilities(withSilence);
    int perSecond = 16_000 / SileroModel.WINDOW;
    double leading = mean(p, 0, perSecond - 2);
    double middle = mean(p, perSecond + 4, p.length - perSecond - 4);
    double trailing = mean(p, p.length - perSecond + 15, p.length);
    assertTrue(leading < 0.1, "silence before: " + leading);
    assertTrue(middle > 0.6, "speech: " + middle);
    assertTrue(trailing < 0.2, "silence after: " + trailing);
  }

  @Test
  void theBatchedPoolGivesEachStreamItsOwnResultsInOrder() throws Exception {
    float[] speech = Flite.speak16k("Hello, is anyone there?");
    float[] silence = new float[speech.length];
    float[] expectSpeech = probabilities(speech);
    float[] expectSilence = probabilities(silence);
    Vertx vertx = Vertx.vertx();
    try (VadPool pool = new VadPool(model, 1, 8)) {
      List<Float> a = new ArrayList<>();
      List<Float> b = new ArrayList<>();
      List<Long> ends = new ArrayList<>();
      CompletableFuture<Void> doneA = new CompletableFuture<>();
      CompletableFuture<Void> doneB = new CompletableFuture<>();
      var context = vertx.getOrCreateContext();
      context.runOnContext(v -> {
        VadPool.Stream sa = pool.open(context, (p, end) -> {
          a.add(p);
          ends.add(end);
          if (a.size() == expectSpeech.length) {
            doneA.complete(null);
          }
        });
        VadPool.Stream sb = pool.open(context, (p, end) -> {
          b.add(p);
          if (b.size() == expectSilence.length) {
            doneB.complete(null);
          }
        });
        for (int at = 0; at < speech.length; at += 320) { // 20 ms pieces, both calls at once
          sa.push(Arrays.copyOfRange(speech, at, Math.min(speech.length, at + 320)));
          sb.push(Arrays.copyOfRange(silence, at, Math.min(silence.length, at + 320)));
        }
      });
      doneA.get(20, TimeUnit.SECONDS);
      doneB.get(20, TimeUnit.SECONDS);
      assertArrayEquals(expectSpeech, toArray(a), 1e-4f, "batched results equal the stream run alone");
      assertArrayEquals(expectSilence, toArray(b), 1e-4f);
      assertEquals(512L, ends.get(0));
      assertEquals(512L * expectSpeech.length, ends.get(ends.size() - 1));
      assertTrue(pool.windows() >= expectSpeech.length * 2L);
      assertTrue(pool.cpuNanos() > 0);
    } finally {
      vertx.close().await(5, TimeUnit.SECONDS);
    }
  }

  private static float[] toArray(List<Float> list) {
    float[] r = new float[list.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = list.get(i);
    }
    return r;
  }

  private static double mean(float[] p, int from, int to) {
    double s = 0;
    for (int i = from; i < to; i++) {
      s += p[i];
    }
    return s / Math.max(1, to - from);
  }
}
