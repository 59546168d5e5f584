package io.switchboard.router.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.switchboard.api.Capability;
import io.switchboard.api.ErrorCode;
import io.switchboard.api.Prices;
import io.switchboard.api.Privacy;
import io.switchboard.api.RouteInfo;
import io.switchboard.router.Finished;
import io.switchboard.router.policy.RequestSize;
import io.switchboard.router.usage.UsageMeter;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static io.switchboard.router.metrics.Scrape.assertHas;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a finished request leaves in Prometheus: names, labels, bounded values, and no new meters for a repeat. */
class RequestMetricsTest {

  private PrometheusMeterRegistry registry;
  private RequestMetrics metrics;

  @BeforeEach
  void setUp() {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Set<String> declared = Set.of("gpt-4o-mini");
    metrics = RequestMetrics.of(registry, (backend, model) -> declared.contains(model) ? model : RequestMetrics.OTHER);
  }

  private static Finished served(String backend, String model, long latencyMs, long ttfbMs, int retries, RouteInfo route) {
    return Finished.served(new Finished.Asked("req-123", "k_1", Capability.CHAT, RequestSize.ZERO, 0),
      new Finished.Target(backend, model, Privacy.CLOUD, Prices.FREE),
      new Finished.Answer(new JsonObject().put("prompt_tokens", 12).put("completion_tokens", 30), ttfbMs, ttfbMs >= 0, -1),
      route, latencyMs, retries);
  }

  private void record(Finished f, double cost) {
    metrics.finished(f, UsageMeter.Amounts.of(f), cost);
  }

  private String scrape() {
    return registry.scrape();
  }

  @Test
  void aServedStreamCountsRequestLatencyTtfbTokensAndCost() {
    record(served("openai", "gpt-4o-mini", 420, 80, 0, new RouteInfo("openai", "gpt-4o-mini", List.of())), 0.0042);
    String text = scrape();
    assertHas(text,
      "switchboard_requests_total{backend=\"openai\",capability=\"chat\",code=\"none\",model=\"gpt-4o-mini\",outcome=\"served\"} 1.0",
      "switchboard_request_duration_seconds_bucket{backend=\"openai\",capability=\"chat\",le=\"0.5\"} 1",
      "switchboard_request_duration_seconds_bucket{backend=\"openai\",capability=\"chat\",le=\"0.25\"} 0",
      "switchboard_request_ttfb_seconds_bucket{backend=\"openai\",capability=\"chat\",le=\"0.1\"} 1",
      "switchboard_tokens_total{backend=\"openai\",capability=\"chat\",direction=\"input\",model=\"gpt-4o-mini\"} 12.0",
      "switchboard_tokens_total{backend=\"openai\",capability=\"chat\",direction=\"output\",model=\"gpt-4o-mini\"} 30.0",
      "switchboard_cost_usd_total{backend=\"openai\",capability=\"chat\",model=\"gpt-4o-mini\"} 0.0042");
    assertFalse(text.contains("req-123") || text.contains("k_1"), "no request id, no key id as a label");
  }

  @Test
  void aModelTheBackendDoesNotDeclareIsOther() {
    record(served("passthrough", "my-own-fine-tune-v7", 10, -1, 0, null), 0);
    String text = scrape();
    assertTrue(text.contains("model=\"other\""), text);
    assertFalse(text.contains("my-own-fine-tune-v7"), "a caller's model string never becomes a label");
  }

  @Test
  void refusalsFailuresAndCancelsHaveTheirOutcome() {
    metrics.refusedAtEdge(Capability.CHAT, ErrorCode.AUTHENTICATION);
    Finished failed = Finished.failed(new Finished.Asked("r", null, Capability.EMBED, RequestSize.ZERO, 0), Finished.Target.none("x"),
      Finished.Answer.NONE, ErrorCode.UNAVAILABLE, new RouteInfo(null, "x", List.of()), 3, 0);
    record(failed, 0);
    Finished cancelled = Finished.failed(new Finished.Asked("r", null, Capability.CHAT, RequestSize.ZERO, 0),
      new Finished.Target("openai", "gpt-4o-mini", Privacy.CLOUD, Prices.FREE), Finished.Answer.NONE, ErrorCode.CANCELLED, null, 3, 0);
    record(cancelled, 0);
    String text = scrape();
    assertHas(text,
      "switchboard_requests_total{backend=\"none\",capability=\"chat\",code=\"invalid_api_key\",model=\"none\",outcome=\"refused\"} 1.0",
      "switchboard_requests_total{backend=\"none\",capability=\"embed\",code=\"no_healthy_backend\",model=\"none\",outcome=\"failed\"} 1.0",
      "code=\"cancelled\",model=\"gpt-4o-mini\",outcome=\"cancelled\"} 1.0");
    assertFalse(text.contains("switchboard_request_duration_seconds_count{backend=\"none\""), "failures are not in the latency histogram");
  }

  @Test
  void skipsFailoversAndRetriesAreCountedWithBoundedLabels() {
    RouteInfo route = new RouteInfo("cloud-b", "gpt-4o-mini", List.of(
      new RouteInfo.Skip("local", "privacy local exceeds cloud"),
      new RouteInfo.Skip("cloud-a", "upstream_error: cloud-a: HTTP 500 Internal Server Error (request id abc-123)"),
      new RouteInfo.Skip("cloud-b", "timeout: no first byte within 800 ms")));
    record(served("cloud-b", "gpt-4o-mini", 900, -1, 1, route), 0);
    String text = scrape();
    assertHas(text,
      "switchboard_route_skips_total{backend=\"cloud-a\",capability=\"chat\",reason=\"failed\"} 1.0",
      "switchboard_route_skips_total{backend=\"local\",capability=\"chat\",reason=\"privacy\"} 1.0",
      "switchboard_failovers_total{backend=\"cloud-a\",capability=\"chat\",code=\"upstream_error\"} 1.0",
      "switchboard_failovers_total{backend=\"cloud-b\",capability=\"chat\",code=\"timeout\"} 1.0",
      "switchboard_retries_total{backend=\"cloud-b\",capability=\"chat\"} 1.0");
    assertFalse(text.contains("abc-123") || text.contains("800 ms"), "no free text as a label");
  }

  @Test
  void aRepeatedRequestFindsItsMetersAndBuildsNoNewOnes() {
    Finished f = served("openai", "gpt-4o-mini", 50, 20, 0, new RouteInfo("openai", "gpt-4o-mini",
      List.of(new RouteInfo.Skip("other", "disabled by admin"))));
    record(f, 0.001);
    int meters = registry.getMeters().size();
    for (int i = 0; i < 1000; i++) {
      record(f, 0.001);
    }
    assertEquals(meters, registry.getMeters().size());
    assertTrue(scrape().contains("outcome=\"served\"} 1001.0"), scrape());
  }

  @Test
  void offRecordsNothing() {
    RequestMetrics off = RequestMetrics.of(null, (b, m) -> m);
    assertFalse(off.enabled());
    Finished f = served("openai", "gpt-4o-mini", 50, 20, 0, null);
    off.finished(f, UsageMeter.Amounts.of(f), 1);
    off.refusedAtEdge(Capability.CHAT, ErrorCode.INVALID_REQUEST);
  }
}
