package io.switchboard.core.testkit;

import io.switchboard.api.MeshException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test support shared by the cloud adapter tests (transcription, speech, and the mesh-app HTTP tests): a vertx-web server on 127.0.0.1 with a random port, whose
 * routes each test's fake sets up, and helpers to wait for a future's result or its {@link MeshException}.
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

  public static <T> T await(Future<T> future) {
    try {
      return future.await(20, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("future did not complete within 20 s", e);
    }
  }

  /** The failure of {@code future}, which must be a {@link MeshException}. */
  public static MeshException failure(Future<?> future) {
    try {
      Object value = await(future);
      return fail("expected a failure, got " + value);
    } catch (AssertionError e) {
      throw e;
    } catch (Throwable t) {
      return assertInstanceOf(MeshException.class, t, "failure " + t);
    }
  }

  @Override
  public void close() {
    await(server.close());
  }
}
