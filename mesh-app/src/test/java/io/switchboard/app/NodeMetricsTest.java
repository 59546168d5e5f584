package io.switchboard.app;

import io.switchboard.core.testkit.OnContext;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.micrometer.MicrometerMetricsFactory;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A backend-only node has no HTTP API: its health port serves /metrics for Prometheus (the k8s pods are scraped there),
 * with the node's draining gauge.
 */
class NodeMetricsTest {

  @Test
  void theHealthPortServesPrometheusTextWithTheDrainingGauge() throws Exception {
    Vertx vertx = Vertx.builder().with(new VertxOptions().setMetricsOptions(MeshNode.metricsOptions()))
      .withMetrics(new MicrometerMetricsFactory()).build();
    try {
      NodeLifecycle lifecycle = new NodeLifecycle(vertx, new JsonObject());
      NodeHealthVerticle health = new NodeHealthVerticle(List.of(), lifecycle::draining);
      vertx.deployVerticle(health, new DeploymentOptions().setConfig(new JsonObject().put("port", 0).put("host", "127.0.0.1")))
        .await(10, TimeUnit.SECONDS);
      WebClient client = WebClient.create(vertx);
      HttpResponse<Buffer> res = OnContext.start(vertx.getOrCreateContext(),
        () -> client.get(health.actualPort(), "127.0.0.1", "/metrics").send()).await(10, TimeUnit.SECONDS);
      assertEquals(200, res.statusCode());
      assertTrue(res.getHeader("content-type").startsWith("text/plain"), res.getHeader("content-type"));
      String text = res.bodyAsString();
      assertTrue(text.contains("switchboard_node_draining 0.0"), text.substring(0, Math.min(3000, text.length())));
      assertTrue(text.contains("jvm_memory_used_bytes"), "JVM metrics");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
