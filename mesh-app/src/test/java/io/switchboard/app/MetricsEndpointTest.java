package io.switchboard.app;

import io.switchboard.core.testkit.OnContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A node started as {@code ./mesh run} starts it (its own Vert.x, with metrics) serves Prometheus text on /metrics. */
class MetricsEndpointTest {

  @Test
  void metricsAreServedInPrometheusFormat(@TempDir Path conf) throws Exception {
    MeshNode.Started node = RouterOnlyNode.start(conf, Map.of(), true).await(30, TimeUnit.SECONDS);
    Vertx vertx = node.vertx();
    try {
      WebClient client = WebClient.create(vertx);
      Context context = vertx.getOrCreateContext();
      // one request through the HTTP server first, so its meters exist
      assertEquals(200, OnContext.start(context, () -> client.get(node.httpPort(), "127.0.0.1", "/health/live").send())
        .await(5, TimeUnit.SECONDS).statusCode());
      HttpResponse<Buffer> res = OnContext.start(context, () -> client.get(node.httpPort(), "127.0.0.1", "/metrics").send()).await(5, TimeUnit.SECONDS);
      assertEquals(200, res.statusCode());
      assertTrue(res.getHeader("content-type").startsWith("text/plain"), res.getHeader("content-type"));
      String text = res.bodyAsString();
      assertTrue(text.contains("# TYPE vertx_http_server_requests_total counter"), text.substring(0, Math.min(2000, text.length())));
      assertTrue(text.contains("jvm_memory_used_bytes"), "JVM metrics are on");
      HttpResponse<Buffer> ready = OnContext.start(context, () -> client.get(node.httpPort(), "127.0.0.1", "/health/ready").send())
        .await(5, TimeUnit.SECONDS);
      assertEquals(503, ready.statusCode(), "no live backend: not ready");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
