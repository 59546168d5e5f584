package io.switchboard.core.testkit;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

import java.util.function.BooleanSupplier;

/**
 * The start-up the kit's raw-HTTP cloud fakes (OpenAI, Anthropic, RunPod) share: a server on 127.0.0.1 and a free
 * port that hands every request to the fake's {@link #handle}, its port and stop, and the {@link Conditions} a test
 * waits on. (Fakes whose routes are a vertx-web Router stand on {@link FakeUpstream} instead.)
 */
public abstract class FakeServer {

  protected final Vertx vertx;
  protected final Conditions conditions = new Conditions();
  private HttpServer server;

  protected FakeServer(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Listens on 127.0.0.1 and a free port. */
  protected final Future<Void> listen() {
    server = vertx.createHttpServer().connectionHandler(c -> connected()).requestHandler(this::handle);
    return server.listen(0, "127.0.0.1").mapEmpty();
  }

  /** Answers one request as the API would. */
  protected abstract void handle(HttpServerRequest req);

  /** A client opened a connection; a fake that counts them says so. */
  protected void connected() {
  }

  public int port() {
    return server.actualPort();
  }

  /** {@code http://127.0.0.1:<port>} followed by {@code path}. */
  protected String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  /** Completes once {@code condition} on this fake holds, checked each time the fake's state moves. */
  public Future<Void> once(BooleanSupplier condition) {
    return conditions.once(condition);
  }

  public Future<Void> stop() {
    return server.close();
  }
}
