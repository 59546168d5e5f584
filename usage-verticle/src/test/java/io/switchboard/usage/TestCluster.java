package io.switchboard.usage;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.switchboard.api.MeshExceptionCodec;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Vert.x instances clustered with Hazelcast on loopback only (TCP-IP member 127.0.0.1, multicast off). Each test
 * cluster gets its own name and port range, so test runs on one machine never join each other.
 */
public final class TestCluster {

  private final String name = "switchboard-usage-test-" + UUID.randomUUID();
  private final int basePort = 20_000 + ThreadLocalRandom.current().nextInt(20_000);

  /** A new member of this cluster. */
  public Vertx join() throws Exception {
    Config config = new Config();
    config.setClusterName(name);
    config.setProperty("hazelcast.local.localAddress", "127.0.0.1");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "jdk");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(basePort).setPortAutoIncrement(true).setPortCount(10);
    network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true);
    for (int port = basePort; port < basePort + 10; port++) {
      join.getTcpIpConfig().addMember("127.0.0.1:" + port);
    }
    Vertx vertx = Vertx.builder()
      .with(new VertxOptions().setEventBusOptions(new EventBusOptions().setHost("127.0.0.1").setPort(0)))
      .withClusterManager(new HazelcastClusterManager(config))
      .buildClustered()
      .toCompletionStage().toCompletableFuture().get();
    MeshExceptionCodec.register(vertx);
    return vertx;
  }
}
