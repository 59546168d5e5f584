package io.switchboard.router.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.switchboard.api.BackendDescriptor;
import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.RouteInfo;
import io.switchboard.router.Finished;
import io.switchboard.router.usage.UsageMeter;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The request path's meters (docs/metrics.md): requests by capability, backend, model, outcome and error code; the
 * latency and time-to-first-byte histograms per backend; retries, failovers and skip reasons; tokens, audio,
 * characters and list-price cost. Every meter is built once per label combination and kept: recording a request looks
 * its meters up in nested maps by the strings it already holds (no tag arrays, no meter ids built per request). Labels
 * are bounded: backends and models come from conf (a model a backend does not declare is {@value #OTHER}), reasons
 * and codes from fixed lists. Safe from any thread.
 */
public final class RequestMetrics {

  /** The label of a request that reached no backend, or of a model the backend does not declare. */
  static final String NONE = BackendDescriptor.NO_BACKEND_LABEL;
  /**
   * The backend label of a request answered from the exact cache: its count, duration and amounts are the cache's,
   * not those of the backend that produced the answer first (that backend did no work, and its latency stays its own).
   */
  public static final String CACHE = BackendDescriptor.CACHE_LABEL;
  public static final String OTHER = "other";

  /** The bounded model label of {@code model} as served by {@code backend} (both non-null). */
  @FunctionalInterface
  public interface ModelLabels {
    String label(String backend, String model);
  }

  private static final Duration[] BUCKETS = {
    Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
    Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
    Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120)};
  private static final Capability[] CAPABILITIES = Capability.values();
  private static final ErrorCode[] CODES = ErrorCode.values();

  /** Records nothing: a node without metrics. */
  public static final RequestMetrics OFF = new RequestMetrics(null, (b, m) -> OTHER);

  private final MeterRegistry registry;
  private final ModelLabels models;
  /** capability → backend → its meters. */
  private final Map<String, BackendMeters>[] backends;

  @SuppressWarnings("unchecked")
  private RequestMetrics(MeterRegistry registry, ModelLabels models) {
    this.registry = registry;
    this.models = models;
    this.backends = new Map[CAPABILITIES.length];
    for (int i = 0; i < backends.length; i++) {
      backends[i] = new ConcurrentHashMap<>();
    }
  }

  /** Meters in {@code registry}, or {@link #OFF} when it is null. */
  public static RequestMetrics of(MeterRegistry registry, ModelLabels models) {
    return registry == null ? OFF : new RequestMetrics(registry, models);
  }

  public boolean enabled() {
    return registry != null;
  }

  /** One finished request, routed or refused by the router; {@code cost} is its list price (0 when not billable). */
  public void finished(Finished f, UsageMeter.Amounts amounts, double cost) {
    if (registry == null) {
      return;
    }
    Capability capability = f.asked().capability();
    String backend = f.target().backend();
    String model = backend == null || f.target().model() == null ? NONE : models.label(backend, f.target().model());
    BackendMeters b = backend(capability, f.answer().hit() ? CACHE : backend == null ? NONE : backend);
    ModelMeters m = b.model(model);
    m.requests(f.error()).increment();
    if (f.error() == null) {
      b.duration.get().record(Math.max(0, f.latencyMs()), TimeUnit.MILLISECONDS);
    }
    if (f.answer().streamed() && f.answer().ttfbMs() >= 0) {
      b.ttfb.get().record(f.answer().ttfbMs(), TimeUnit.MILLISECONDS);
    }
    if (f.retries() > 0) {
      b.retries.get().increment(f.retries());
    }
    if (amounts.inputTokens() > 0) {
      m.inputTokens.increment(amounts.inputTokens());
    }
    if (amounts.outputTokens() > 0) {
      m.outputTokens.increment(amounts.outputTokens());
    }
    if (amounts.audioSeconds() > 0) {
      m.audio.get().increment(amounts.audioSeconds());
    }
    if (amounts.characters() > 0) {
      m.characters.get().increment(amounts.characters());
    }
    if (cost > 0) {
      m.cost.increment(cost);
    }
    RouteInfo route = f.route();
    if (route != null && !route.skipped().isEmpty()) {
      skipped(capability, route.skipped());
    }
  }

  /** A request the HTTP edge refused before it reached the router (bad key, not JSON, a field that fails validation). */
  public void refusedAtEdge(Capability capability, ErrorCode code) {
    if (registry != null && capability != null) {
      backend(capability, NONE).model(NONE).requests(code).increment();
    }
  }

  private void skipped(Capability capability, List<RouteInfo.Skip> skips) {
    for (RouteInfo.Skip s : skips) {
      BackendMeters b = backend(capability, s.backend() == null ? NONE : s.backend());
      String reason = SkipReasons.classify(s.reason());
      b.skip(reason).increment();
      if (reason.equals(SkipReasons.FAILED)) {
        b.failover(SkipReasons.failureCode(s.reason())).increment();
      }
    }
  }

  private BackendMeters backend(Capability capability, String backend) {
    Map<String, BackendMeters> byBackend = backends[capability.ordinal()];
    BackendMeters b = byBackend.get(backend);
    return b != null ? b : byBackend.computeIfAbsent(backend, id -> new BackendMeters(capability.wireName(), id));
  }

  /** The outcome label of an error: served (none), cancelled (the caller went away), refused (4xx) or failed (5xx). */
  static String outcome(ErrorCode code) {
    if (code == null) {
      return "served";
    }
    if (code == ErrorCode.CANCELLED) {
      return "cancelled";
    }
    return code.httpStatus() >= 500 ? "failed" : "refused";
  }

  /** The meters of one backend for one capability, built on first use. */
  private final class BackendMeters {
    final String capability;
    final String backend;
    final Map<String, ModelMeters> models = new ConcurrentHashMap<>();
    final Map<String, Counter> skips = new ConcurrentHashMap<>();
    final Map<ErrorCode, Counter> failovers = new ConcurrentHashMap<>();
    final LazyMeter<Timer> duration = new LazyMeter<>(
      () -> timer("switchboard.request.duration", "time from arrival to the end of the answer, served requests"));
    final LazyMeter<Timer> ttfb = new LazyMeter<>(
      () -> timer("switchboard.request.ttfb", "time from arrival to the first message of a streamed answer"));
    final LazyMeter<Counter> retries = new LazyMeter<>(
      () -> counter("switchboard.retries", "attempts again on a backend that failed, after a backoff"));

    BackendMeters(String capability, String backend) {
      this.capability = capability;
      this.backend = backend;
    }

    private Timer timer(String name, String description) {
      return Timer.builder(name).description(description).tags("capability", capability, "backend", backend)
        .serviceLevelObjectives(BUCKETS).register(registry);
    }

    private Counter counter(String name, String description) {
      return Counter.builder(name).description(description).tags("capability", capability, "backend", backend).register(registry);
    }

    ModelMeters model(String model) {
      ModelMeters m = models.get(model);
      return m != null ? m : models.computeIfAbsent(model, k -> new ModelMeters(this, k));
    }

    Counter skip(String reason) {
      Counter c = skips.get(reason);
      return c != null ? c : skips.computeIfAbsent(reason, r -> Counter.builder("switchboard.route.skips")
        .description("candidates left out of a request's route, by reason")
        .tags("capability", capability, "backend", backend, "reason", r).register(registry));
    }

    Counter failover(ErrorCode code) {
      Counter c = failovers.get(code);
      return c != null ? c : failovers.computeIfAbsent(code, e -> Counter.builder("switchboard.failovers")
        .description("attempts that failed before any content, after which the request moved on")
        .tags("capability", capability, "backend", backend, "code", e.openAiCode()).register(registry));
    }
  }

  /** The meters of one model on one backend for one capability. */
  private final class ModelMeters {
    final BackendMeters b;
    final String model;
    /** By error code: index 0 served, 1 + ordinal for an error. */
    final Counter[] requests = new Counter[CODES.length + 1];
    final Counter inputTokens;
    final Counter outputTokens;
    final Counter cost;
    final LazyMeter<Counter> audio = new LazyMeter<>(() -> counter("switchboard.audio.seconds", "seconds of audio transcribed or spoken"));
    final LazyMeter<Counter> characters = new LazyMeter<>(() -> counter("switchboard.characters", "characters of text spoken"));

    ModelMeters(BackendMeters b, String model) {
      this.b = b;
      this.model = model;
      this.inputTokens = counter("switchboard.tokens", "tokens the upstreams reported", "direction", "input");
      this.outputTokens = counter("switchboard.tokens", "tokens the upstreams reported", "direction", "output");
      this.cost = counter("switchboard.cost.usd", "list-price cost of served requests, in US dollars");
    }

    private Counter counter(String name, String description, String... extra) {
      return Counter.builder(name).description(description)
        .tags("capability", b.capability, "backend", b.backend, "model", model).tags(extra).register(registry);
    }

    Counter requests(ErrorCode code) {
      int i = code == null ? 0 : code.ordinal() + 1;
      Counter c = requests[i];
      if (c == null) {
        c = counter("switchboard.requests", "finished requests", "outcome", outcome(code),
          "code", code == null ? NONE : code.openAiCode());
        requests[i] = c;
      }
      return c;
    }
  }
}
