package io.switchboard.app;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.XmlConfigBuilder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Builds a clustered Vert.x from {@code cluster.xml}: members from {@code SWITCHBOARD_CLUSTER_MEMBERS}, the event
 * bus and Hazelcast bound to {@code SWITCHBOARD_CLUSTER_HOST} (default 127.0.0.1), and Kubernetes DNS discovery
 * when {@code SWITCHBOARD_K8S_SERVICE_DNS} names a headless service.
 */
final class ClusterSupport {

  private ClusterSupport() {
  }

  static Future<Vertx> clusteredVertx(VertxOptions vertxOptions, NodeOptions options) {
    String host = options.env().getOrDefault("SWITCHBOARD_CLUSTER_HOST", "127.0.0.1");
    System.setProperty("hazelcast.local.localAddress", host);
    Config config = hazelcastConfig(options);
    vertxOptions.getEventBusOptions().setHost(host).setClusterPublicHost(host);
    var builder = Vertx.builder().with(vertxOptions).withClusterManager(new HazelcastClusterManager(config));
    if (options.metrics()) {
      builder.withMetrics(new io.vertx.micrometer.MicrometerMetricsFactory());
    }
    return builder.buildClustered();
  }

  static Config hazelcastConfig(NodeOptions options) {
    Path xml = options.confDir().toAbsolutePath().getParent().resolve("cluster.xml");
    String explicit = options.env().get("SWITCHBOARD_CLUSTER_CONFIG");
    if (explicit != null) {
      xml = Path.of(explicit);
    }
    Config config;
    try (InputStream in = Files.newInputStream(xml)) {
      config = new XmlConfigBuilder(in).build();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the cluster configuration " + xml + ": " + e.getMessage(), e);
    }
    JoinConfig join = config.getNetworkConfig().getJoin();
    String k8sDns = options.env().get("SWITCHBOARD_K8S_SERVICE_DNS");
    if (k8sDns != null && !k8sDns.isBlank()) {
      join.getTcpIpConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(true).setProperty("service-dns", k8sDns);
    } else {
      String members = options.env().get("SWITCHBOARD_CLUSTER_MEMBERS");
      if (members != null && !members.isBlank()) {
        join.getTcpIpConfig().setMembers(Arrays.stream(members.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
      }
    }
    return config;
  }
}
