package io.switchboard.core.testkit;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.concurrent.TimeUnit;

/**
 * Two members of a {@link TestCluster} of their own (Vert.x instances clustered over Hazelcast on loopback, in one
 * JVM), closed together.
 */
public final class ClusterPair implements AutoCloseable {

  public final Vertx a;
  public final Vertx b;

  private ClusterPair(Vertx a, Vertx b) {
    this.a = a;
    this.b = b;
  }

  public static ClusterPair start() {
    TestCluster cluster = new TestCluster();
    return new ClusterPair(cluster.join(), cluster.join());
  }

  @Override
  public void close() throws Exception {
    Future.join(a.close(), b.close()).await(60, TimeUnit.SECONDS);
  }
}
