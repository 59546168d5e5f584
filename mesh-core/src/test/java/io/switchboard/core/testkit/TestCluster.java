package io.switchboard.core.testkit;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.switchboard.api.MeshExceptionCodec;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A Hazelcast cluster of Vert.x instances on loopback, in one JVM: a cluster name of its own and a random port range
 * (multicast off, TCP-IP members on 127.0.0.1), so that other clusters on the machine are never joined. Each
 * {@link #join} adds a member with the bus codecs every node registers. {@link ClusterPair} is the usual two.
 */
public final class TestCluster {

  private static final int PORTS = 10;

  private final String name = "switchboard-test-" + UUID.randomUUID().toString().substring(0, 8);
  private final int basePort = 23_000 + ThreadLocalRandom.current().nextInt(300) * 20;

  public TestCluster() {
    System.setProperty("hazelcast.local.localAddress", "127.0.0.1");
  }

  /** A new member of this cluster (waited for: a member joins in seconds, longer on a loaded machine). */
  public Vertx join() {
    Config hz = new Config().setClusterName(name);
    hz.setProperty("hazelcast.local.localAddress", "127.0.0.1");
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.wait.seconds.before.join", "0");
    hz.setProperty("hazelcast.logging.type", "jdk");
    hz.getNetworkConfig().setPort(basePort).setPortAutoIncrement(true).setPortCount(PORTS);
    JoinConfig join = hz.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true);
    for (int p = basePort; p < basePort + PORTS; p++) {
      join.getTcpIpConfig().addMember("127.0.0.1:" + p);
    }
    VertxOptions options = new VertxOptions()
      .setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setClusterPublicHost("127.0.0.1").setPort(0));
    Vertx vertx = Await.await(Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(hz)).buildClustered(), 60);
    MeshExceptionCodec.register(vertx);
    return vertx;
  }
}
