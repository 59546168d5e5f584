package io.switchboard.app.voice;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.concurrent.TimeUnit;

/**
 * The two Vert.x instances of a call test, new for each test and closed after it: the node's (a whole node runs on
 * it; closing it stops the node) and the callers' (the callers and the fake upstreams), kept apart as the network
 * keeps a phone and a server apart. Register it per test instance: {@code @RegisterExtension final CallRig rig = ...}.
 */
final class CallRig implements AfterEachCallback {

  final Vertx node;
  final Vertx client = Vertx.vertx();

  CallRig() {
    this(Vertx.vertx());
  }

  /** @param node the node's Vert.x, when it needs options (metrics) */
  CallRig(Vertx node) {
    this.node = node;
  }

  /** A rig whose node has Prometheus metrics on, as {@code ./mesh run} starts a node: for tests that read them. */
  static CallRig withMetrics() {
    return new CallRig(Vertx.builder().with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)).setEnabled(true)))
      .withMetrics(new MicrometerMetricsFactory()).build());
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    client.close().await(10, TimeUnit.SECONDS);
    node.close().await(20, TimeUnit.SECONDS);
  }
}
