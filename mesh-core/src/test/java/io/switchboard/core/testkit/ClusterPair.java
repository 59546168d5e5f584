package io.switchboard.core.testkit;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Two Vert.x instances clustered over Hazelcast on loopback, in one JVM: a cluster name of their own and a random
 * port range, so that other clusters on the machine are never joined.
 */
public final class ClusterPair implements AutoCloseable {

  public final Vertx a;
  public final Vertx b;

  private ClusterPair(Vertx a, Vertx b) {
    this.a = a;
    this.b = b;
  }

  public static ClusterPair start() throws Exception {
    System.setProperty("hazelcast.local.localAddress", "127.0.0.1");
    String name = "switchboard-core-test-" + UUID.randomUUID().toString().substring(0, 8);
    int base = 23_000 + ThreadLocalRandom.current().nextInt(300) * 20;
    Vertx a = node(name, base).await(60, TimeUnit.SECONDS);
    Vertx b = node(name, base).await(60, TimeUnit.SECONDS);
    return new ClusterPair(a, b);
  }

  private static Future<Vertx> node(String clusterName, int basePort) {
    Config hz = new Config().setClusterName(clusterName);
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.wait.seconds.before.join", "0");
    hz.setProperty("hazelcast.logging.type", "jdk");
    hz.getNetworkConfig().setPort(basePort).setPortAutoIncrement(true).setPortCount(5);
    JoinConfig join = hz.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true);
    for (int p = basePort; p < basePort + 5; p++) {
      join.getTcpIpConfig().addMember("127.0.0.1:" + p);
    }
    VertxOptions options = new VertxOptions()
      .setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setClusterPublicHost("127.0.0.1").setPort(0));
    return Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(hz)).buildClustered();
  }

  @Override
  public void close() throws Exception {
    Future.join(a.close(), b.close()).await(60, TimeUnit.SECONDS);
  }
}
