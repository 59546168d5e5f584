package io.switchboard.voice.call;

import io.switchboard.voice.VoiceSettings;
import io.switchboard.voice.audio.OutputFormat;
import io.switchboard.voice.audio.Playout;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When caller speech stops the agent: while a stage works on the answer, or its audio plays past the echo guard
 * (counted on the playout's clock from the first frame of the agent's audio); never when barge-in is off.
 */
class BargeInTest {

  private final Vertx vertx = Vertx.vertx();
  /** The playout's clock, moved by the test. */
  private final AtomicLong clock = new AtomicLong(1_000_000);

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(5, TimeUnit.SECONDS);
  }

  private Playout playout() {
    Playout.Sink sink = new Playout.Sink() {
      @Override
      public void frame(Buffer frame) {
      }

      @Override
      public void mark(String name) {
      }

      @Override
      public void clear() {
      }
    };
    return new Playout(vertx, OutputFormat.TWILIO, 100, sink, clock::get);
  }

  private static BargeIn bargeIn(boolean enabled, Playout playout) {
    VoiceSettings settings = VoiceSettings.fromJson(new JsonObject()
      .put("barge_in", new JsonObject().put("enabled", enabled).put("echo_guard_ms", 200)));
    return new BargeIn(settings, playout);
  }

  /** Runs {@code r} on the playout's context and returns its result. */
  private <T> T on(Supplier<T> r) throws Exception {
    CompletableFuture<T> done = new CompletableFuture<>();
    vertx.runOnContext(v -> done.complete(r.get()));
    return done.get(5, TimeUnit.SECONDS);
  }

  @Test
  void speechInterruptsAWorkingStageAtOnceAndPlayingAudioOnlyPastTheEchoGuard() throws Exception {
    Playout playout = playout();
    BargeIn bargeIn = bargeIn(true, playout);
    assertFalse(on(() -> bargeIn.shouldInterrupt(false, clock.get())), "the agent is silent and nothing is being made");
    assertTrue(on(() -> bargeIn.shouldInterrupt(true, clock.get())), "an answer being made (no audio yet) is interrupted");

    long start = clock.get();
    on(() -> {
      playout.begin("t1p1");
      playout.audio(new byte[8000]); // a second of the agent's voice
      playout.end();
      return null;
    });
    assertFalse(on(() -> bargeIn.shouldInterrupt(false, start + 100)), "inside the echo guard: most likely the agent's own voice");
    assertTrue(on(() -> bargeIn.shouldInterrupt(false, start + 200)), "past the guard, the audio still playing");
    clock.set(start + 300);
    assertTrue(on(() -> bargeIn.shouldInterrupt(false, clock.get())));
  }

  @Test
  void offMeansNever() throws Exception {
    Playout playout = playout();
    BargeIn bargeIn = bargeIn(false, playout);
    on(() -> {
      playout.begin("t1p1");
      playout.audio(new byte[8000]);
      playout.end();
      return null;
    });
    assertFalse(on(() -> bargeIn.shouldInterrupt(true, clock.get() + 1000)));
  }
}
