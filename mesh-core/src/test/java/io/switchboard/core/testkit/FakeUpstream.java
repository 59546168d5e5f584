package io.switchboard.core.testkit;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;

import java.util.function.Consumer;

import static io.switchboard.core.testkit.Await.await;

/**
 * A vertx-web server on 127.0.0.1 with a random port whose routes a fake sets up: the ground the test kit's cloud
 * fakes (transcription, speech) and the mesh-app HTTP tests stand on.
 */
public final class FakeUpstream implements AutoCloseable {

  private final HttpServer server;

  private FakeUpstream(HttpServer server) {
    this.server = server;
  }

  public static FakeUpstream start(Vertx vertx, Consumer<Router> routes) {
    Router router = Router.router(vertx);
    routes.accept(router);
    return new FakeUpstream(await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")));
  }

  public int port() {
    return server.actualPort();
  }

  public String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  /** A port on which nothing listens: a server was there and is closed. */
  public static int closedPort(Vertx vertx) {
    HttpServer s = await(vertx.createHttpServer().requestHandler(r -> r.response().end()).listen(0, "127.0.0.1"));
    int port = s.actualPort();
    await(s.close());
    return port;
  }

  @Override
  public void close() {
    await(server.close());
  }
}
