package io.switchboard.voice.metrics;

import io.switchboard.api.VoiceModes;
import io.switchboard.voice.mode.ModeMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.switchboard.voice.vad.VadPool;
import io.vertx.micrometer.backends.BackendRegistries;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The voice node's Prometheus metrics (nothing when the process runs without metrics):
 * <ul>
 *   <li>{@code switchboard_voice_turn_seconds{stage, backend}}: histogram per turn stage ({@code endpoint},
 *       {@code transcription}, {@code chat_first_token}, {@code speech_first_audio}, {@code first_frame},
 *       {@code voice_to_voice}), the backend that served the stage ({@code -} for the call's own stages);</li>
 *   <li>{@code switchboard_voice_calls_active}: calls open on this node (what the HPA scales on);</li>
 *   <li>{@code switchboard_voice_calls_total{transport, outcome}}, {@code switchboard_voice_barge_ins_total},
 *       {@code switchboard_voice_vad_cpu_seconds_total} (the VAD threads' CPU time).</li>
 * </ul>
 */
public final class VoiceMetrics {

  private static final Duration[] BUCKETS = {
    Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(100),
    Duration.ofMillis(200), Duration.ofMillis(300), Duration.ofMillis(500), Duration.ofMillis(750), Duration.ofSeconds(1),
    Duration.ofMillis(1500), Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(10)};

  private final MeterRegistry registry;

  private VoiceMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Metrics into the process's Prometheus registry, or none when metrics are off. */
  public static VoiceMetrics create(Supplier<Number> activeCalls, VadPool vad) {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    VoiceMetrics m = new VoiceMetrics(registry);
    if (registry != null) {
      Gauge.builder("switchboard.voice.calls.active", activeCalls).description("Calls open on this node").register(registry);
      // Micrometer holds a function counter's object weakly: the pool (held by the verticle), not a lambda over it.
      FunctionCounter.builder("switchboard.voice.vad.cpu", vad, p -> p.cpuNanos() / 1e9)
        .baseUnit("seconds").description("CPU time of the VAD inference threads").register(registry);
      m.bargeInCounter(); // at 0 from the start: a rate over a counter that appears only at the first barge-in misses it
    }
    return m;
  }

  /** Records one stage of one turn. */
  public void stage(String stage, String backend, long millis) {
    if (registry == null || millis < 0) {
      return;
    }
    if (stage.equals("voice_to_voice")) {
      ModeMetrics.create().voiceToVoice(VoiceModes.PIPELINE, millis); // the per-mode figure (the cascade is pipeline mode)
    }
    Timer.builder("switchboard.voice.turn").tag("stage", stage).tag("backend", backend == null ? "-" : backend)
      .serviceLevelObjectives(BUCKETS).description("Time of each stage of a call's turn")
      .register(registry).record(millis, TimeUnit.MILLISECONDS);
  }

  public void callEnded(String transport, String outcome) {
    if (registry != null) {
      Counter.builder("switchboard.voice.calls").tag("transport", transport).tag("outcome", outcome).register(registry).increment();
    }
  }

  public void bargeIn() {
    if (registry != null) {
      bargeInCounter().increment();
    }
  }

  private Counter bargeInCounter() {
    return Counter.builder("switchboard.voice.barge_ins").description("Times a caller spoke over the agent").register(registry);
  }
}
