package io.switchboard.app;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.XmlConfigBuilder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.transport.Transport;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Builds a clustered Vert.x from {@code cluster.xml} and the environment:
 * <ul>
 *   <li>{@code SWITCHBOARD_CLUSTER_HOST} (127.0.0.1): the address Hazelcast and the event bus bind and announce
 *       (in Kubernetes, the pod IP);</li>
 *   <li>{@code SWITCHBOARD_CLUSTER_MEMBERS}: comma-separated {@code host[:port]} to join over TCP-IP;</li>
 *   <li>{@code SWITCHBOARD_K8S_SERVICE_DNS}: a headless service whose DNS records are the members (Hazelcast's
 *       Kubernetes discovery in DNS mode; replaces the TCP-IP list);</li>
 *   <li>{@code SWITCHBOARD_CLUSTER_NAME}, {@code SWITCHBOARD_CLUSTER_PORT}: another cluster name and first
 *       Hazelcast port (two meshes on one host stay apart);</li>
 *   <li>{@code SWITCHBOARD_EVENTBUS_PORT} (0, any free port): the event bus's own TCP port;</li>
 *   <li>{@code SWITCHBOARD_CLUSTER_TLS} and its files: see {@link ClusterTls}.</li>
 * </ul>
 */
final class ClusterSupport {

  private ClusterSupport() {
  }

  static Future<Vertx> clusteredVertx(VertxOptions vertxOptions, Transport transport, NodeOptions options) {
    Map<String, String> env = options.env();
    Config config;
    EventBusOptions eventBus = vertxOptions.getEventBusOptions();
    try {
      config = hazelcastConfig(options);
      String host = host(env);
      eventBus.setHost(host).setClusterPublicHost(host).setPort(intEnv(env, "SWITCHBOARD_EVENTBUS_PORT", 0));
      ClusterTls.apply(eventBus, env);
    } catch (IllegalArgumentException | IllegalStateException e) {
      return Future.failedFuture(e);
    }
    return MeshNode.vertxBuilder(vertxOptions, transport, options.metrics()).withClusterManager(new HazelcastClusterManager(config))
      .buildClustered();
  }

  static Config hazelcastConfig(NodeOptions options) {
    Map<String, String> env = options.env();
    Path xml = options.confDir().toAbsolutePath().getParent().resolve("cluster.xml");
    String explicit = env.get("SWITCHBOARD_CLUSTER_CONFIG");
    if (explicit != null) {
      xml = Path.of(explicit);
    }
    Config config;
    try (InputStream in = Files.newInputStream(xml)) {
      config = new XmlConfigBuilder(in).build();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the cluster configuration " + xml + ": " + e.getMessage(), e);
    }
    // A property of this member's config, not a system property: several members may share one JVM (tests).
    config.setProperty("hazelcast.local.localAddress", host(env));
    String name = env.get("SWITCHBOARD_CLUSTER_NAME");
    if (name != null && !name.isBlank()) {
      config.setClusterName(name.trim());
    }
    int port = intEnv(env, "SWITCHBOARD_CLUSTER_PORT", 0);
    if (port > 0) {
      config.getNetworkConfig().setPort(port);
    }
    JoinConfig join = config.getNetworkConfig().getJoin();
    String k8sDns = env.get("SWITCHBOARD_K8S_SERVICE_DNS");
    if (k8sDns != null && !k8sDns.isBlank()) {
      join.getTcpIpConfig().setEnabled(false);
      join.getMulticastConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(true).setProperty("service-dns", k8sDns.trim());
      if (port > 0) {
        join.getKubernetesConfig().setProperty("service-port", Integer.toString(port));
      }
    } else {
      String members = env.get("SWITCHBOARD_CLUSTER_MEMBERS");
      if (members != null && !members.isBlank()) {
        join.getTcpIpConfig().setMembers(Arrays.stream(members.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
      }
    }
    return config;
  }

  private static String host(Map<String, String> env) {
    String host = env.get("SWITCHBOARD_CLUSTER_HOST");
    return host == null || host.isBlank() ? "127.0.0.1" : host.trim();
  }

  static int intEnv(Map<String, String> env, String name, int fallback) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    try {
      int port = Integer.parseInt(v.trim());
      if (port < 0 || port > 65_535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a port number (0-65535), got '" + v + "'");
    }
  }
}
