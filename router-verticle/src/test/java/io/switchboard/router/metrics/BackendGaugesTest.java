package io.switchboard.router.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static io.switchboard.router.metrics.Scrape.assertHas;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The backends' gauges from the provider status. */
class BackendGaugesTest {

  private static JsonObject row(String id, boolean live, boolean enabled, String health, String breaker) {
    return new JsonObject().put("id", id).put("live", live).put("enabled", enabled).put("instances", live ? 2 : 0)
      .put("capabilities", new JsonArray().add("chat"))
      .put("health", new JsonObject().put("status", health)).put("breaker", new JsonObject().put("state", breaker))
      .put("error_rate", 0.25)
      .put("limits", new JsonObject().put("rpm", 600).put("tpm", 0).put("concurrency", 8))
      .put("usage", new JsonObject().put("rpm", 150).put("tpm", 4000).put("inflight", 3));
  }

  private static JsonObject status(JsonObject... rows) {
    JsonArray list = new JsonArray();
    for (JsonObject r : rows) {
      list.add(r);
    }
    return new JsonObject().put("backends", list);
  }

  @Test
  void gaugesFollowTheStatus() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    BackendGauges gauges = new BackendGauges(registry);
    gauges.update(status(row("a", true, true, "up", "closed"), row("b", true, true, "up", "open")));
    String text = registry.scrape();
    assertTrue(text.contains("switchboard_backend_up{backend=\"a\"} 1.0"), text);
    assertTrue(text.contains("switchboard_backend_up{backend=\"b\"} 0.0"), "an open breaker is not up: " + text);
    assertHas(text,
      "switchboard_backend_breaker_state{backend=\"b\",state=\"open\"} 1.0",
      "switchboard_backend_breaker_state{backend=\"b\",state=\"closed\"} 0.0",
      "switchboard_backend_instances{backend=\"a\"} 2.0",
      "switchboard_backend_error_ratio{backend=\"a\"} 0.25",
      "switchboard_backend_rate_limit_used{backend=\"a\",limit=\"rpm\"} 150.0",
      "switchboard_backend_rate_limit{backend=\"a\",limit=\"rpm\"} 600.0",
      "switchboard_backend_rate_limit_used{backend=\"a\",limit=\"concurrency\"} 3.0",
      "switchboard_backends_available{capability=\"chat\"} 1.0");

    // a is disabled and b leaves: chat has nothing left, and says so with a 0
    gauges.update(status(row("a", true, false, "up", "closed")));
    text = registry.scrape();
    assertHas(text,
      "switchboard_backend_enabled{backend=\"a\"} 0.0",
      "switchboard_backends_available{capability=\"chat\"} 0.0");
    gauges.update(status());
    assertTrue(registry.scrape().contains("switchboard_backends_available{capability=\"chat\"} 0.0"), "still listed once served");
  }
}
