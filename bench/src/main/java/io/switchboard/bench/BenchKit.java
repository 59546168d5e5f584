package io.switchboard.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

/** What the load generators and mock upstreams of the benchmarks set up alike. */
public final class BenchKit {

  private BenchKit() {
  }

  /** A Vert.x with one event loop: a load generator or mock upstream takes one core at most, the node the rest. */
  public static Vertx oneLoop() {
    return Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
  }

  /** The options of a loopback server on {@code port}, without Nagle's delay (it would be measured). */
  public static HttpServerOptions loopback(int port) {
    return new HttpServerOptions().setHost("127.0.0.1").setPort(port).setTcpNoDelay(true);
  }

  /** A loopback server on {@code port} (see {@link #loopback}). */
  public static HttpServer server(Vertx vertx, int port) {
    return vertx.createHttpServer(loopback(port));
  }
}
