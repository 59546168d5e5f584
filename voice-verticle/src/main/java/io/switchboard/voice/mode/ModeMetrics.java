package io.switchboard.voice.mode;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.switchboard.api.VoiceModes;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.micrometer.backends.BackendRegistries;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The figures an operator compares the two modes by, before switching (docs/metrics.md): per mode, calls started and
 * how they ended, fallbacks (the mode a call wanted and the one it got), voice-to-voice per turn, and the calls'
 * seconds and cost (so that cost per minute is {@code rate(cost) / rate(seconds) * 60}).
 */
public final class ModeMetrics {

  private static final Duration[] BUCKETS = {Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200),
    Duration.ofMillis(300), Duration.ofMillis(500), Duration.ofMillis(800), Duration.ofMillis(1200), Duration.ofMillis(2000),
    Duration.ofMillis(5000)};

  private final MeterRegistry registry;

  private ModeMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Into the process's Prometheus registry, or nowhere when metrics are off. */
  public static ModeMetrics create() {
    return new ModeMetrics(BackendRegistries.getDefaultNow());
  }

  /** The share of new calls each mode gets on this node now ({@code switchboard_voice_mode_weight}): where a switch shows. */
  public void weights(ModeSwitch modes) {
    if (registry != null) {
      for (String m : VoiceModes.MODES) {
        Gauge.builder("switchboard.voice.mode.weight", () -> modes.current().split().getOrDefault(m, 0)).tag("mode", m)
          .description("Weight of the mode among new calls on this node").register(registry);
      }
    }
  }

  public void started(String mode) {
    if (registry != null) {
      Counter.builder("switchboard.voice.mode.calls.started").tag("mode", mode).description("Calls started, by mode")
        .register(registry).increment();
    }
  }

  public void fallback(String wanted, String got) {
    if (registry != null) {
      Counter.builder("switchboard.voice.mode.fallbacks").tag("from", wanted).tag("to", got)
        .description("Calls that could not start in their mode and started in the fallback mode").register(registry).increment();
    }
  }

  public void voiceToVoice(String mode, long millis) {
    if (registry != null && millis >= 0) {
      Timer.builder("switchboard.voice.mode.voice_to_voice").tag("mode", mode).serviceLevelObjectives(BUCKETS)
        .description("Caller's end of speech to the first outbound frame, by mode").register(registry).record(millis, TimeUnit.MILLISECONDS);
    }
  }

  /** A call ended: its outcome ({@code ok} or the error's code), its length and its cost at list prices. */
  public void ended(String mode, String outcome, double seconds, double costUsd) {
    if (registry != null) {
      Counter.builder("switchboard.voice.mode.calls.ended").tag("mode", mode).tag("outcome", outcome).register(registry).increment();
      Counter.builder("switchboard.voice.mode.call_seconds").tag("mode", mode).baseUnit("seconds").register(registry).increment(seconds);
      Counter.builder("switchboard.voice.mode.cost_usd").tag("mode", mode).register(registry).increment(costUsd);
    }
  }
}
