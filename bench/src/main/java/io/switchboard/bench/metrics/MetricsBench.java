package io.switchboard.bench.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.switchboard.api.Capability;
import io.switchboard.api.Prices;
import io.switchboard.api.Privacy;
import io.switchboard.api.RouteInfo;
import io.switchboard.router.Finished;
import io.switchboard.router.metrics.MeteredRequests;
import io.switchboard.router.metrics.RequestMetrics;
import io.switchboard.router.policy.RequestSize;
import io.switchboard.router.usage.Admission;
import io.switchboard.router.usage.Metering;
import io.vertx.core.json.JsonObject;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What counting a finished request in the metrics costs the router, without JMH: {@link MeteredRequests#finished}
 * around a metering that does nothing, against that metering alone, on one thread, with Micrometer's Prometheus
 * registry. Bytes allocated per request (from the thread's allocation counter) do not depend on the machine's load;
 * nanoseconds do. Scenarios: a served stream with tokens and cost and nothing skipped; a request that failed over
 * (two skips: a privacy skip and a failure).
 *
 * <p>Run: {@code java -cp <bench classpath> io.switchboard.bench.metrics.MetricsBench [iterations]}
 */
public final class MetricsBench {

  private record Scenario(String name, Metering metering, Finished request) {
  }

  public static void main(String[] args) {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Set<String> declared = Set.of("gpt-4o-mini", "gpt-4o");
    RequestMetrics metrics = RequestMetrics.of(registry, (backend, model) -> declared.contains(model) ? model : RequestMetrics.OTHER);
    Metering metered = MeteredRequests.wrap(Metering.NONE, metrics, null);
    Finished served = finished(new RouteInfo("openai", "gpt-4o-mini", List.of()));
    Finished failedOver = finished(new RouteInfo("openai", "gpt-4o-mini", List.of(
      new RouteInfo.Skip("jlama", "privacy local exceeds cloud"),
      new RouteInfo.Skip("workstation", "upstream_error: workstation: HTTP 502 Bad Gateway"))));
    List<Scenario> scenarios = List.of(
      new Scenario("no metrics (Metering.NONE)", Metering.NONE, served),
      new Scenario("metrics: served stream, tokens, cost", metered, served),
      new Scenario("metrics: failed over (2 skips)", metered, failedOver));
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long self = Thread.currentThread().threadId();
    System.out.printf(Locale.ROOT, "%d iterations per scenario (after as many of warm-up)%n", iterations);
    System.out.printf(Locale.ROOT, "%-40s %10s %12s%n", "scenario (per finished request)", "ns", "bytes alloc");
    for (Scenario s : scenarios) {
      run(s, iterations);
      long bytes0 = threads.getThreadAllocatedBytes(self);
      long t0 = System.nanoTime();
      run(s, iterations);
      long ns = System.nanoTime() - t0;
      long bytes = threads.getThreadAllocatedBytes(self) - bytes0;
      System.out.printf(Locale.ROOT, "%-40s %10.1f %12.1f%n", s.name(), ns / (double) iterations, bytes / (double) iterations);
    }
    if (!registry.scrape().contains("switchboard_requests_total")) {
      throw new IllegalStateException("nothing was counted");
    }
  }

  private static void run(Scenario s, int iterations) {
    for (int i = 0; i < iterations; i++) {
      s.metering().finished(s.request(), Admission.NONE);
    }
  }

  private static Finished finished(RouteInfo route) {
    return Finished.served(new Finished.Asked("req_1", "k_1", Capability.CHAT, new RequestSize(120, 256, 0, 0), 0),
      new Finished.Target("openai", "gpt-4o-mini", Privacy.CLOUD, new Prices(0.15, 0.6, 0, 0, 0)),
      new Finished.Answer(new JsonObject().put("prompt_tokens", 120).put("completion_tokens", 200), 85, true, -1),
      route, 420, 0);
  }
}
