package io.switchboard.voice;

import io.switchboard.core.web.WebMount;
import io.switchboard.voice.vad.TestVad;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The voice mount found by ServiceLoader on a Vert.x Web router, as a node's web server hosts it. */
class VoiceWebMountTest {

  private Vertx vertx;
  private HttpServer server;
  private List<WebMount> mounts;

  @BeforeEach
  void start() throws Exception {
    TestVad.path();
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    JsonObject sections = new JsonObject().put("voice", new JsonObject().put("max_calls", 1));
    mounts = vertx.getOrCreateContext().<List<WebMount>>executeBlocking(() -> null).compose(x ->
      WebMount.mountAll(WebMount.discover(), vertx, router, sections)).await(30, TimeUnit.SECONDS);
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void theVoiceMountIsFoundAndTakesCallsUpToItsLimit() throws Exception {
    assertEquals(1, mounts.size());
    assertEquals("voice", mounts.get(0).configKey());
    var client = vertx.createWebSocketClient(); // held: Vert.x closes a client nothing refers to any more
    var first = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.actualPort())
      .setURI("/v1/voice/stream")).await(10, TimeUnit.SECONDS);
    assertTrue(!first.isClosed());
    var refused = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.actualPort())
      .setURI("/v1/voice/stream")).toCompletionStage().toCompletableFuture();
    Throwable e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> refused.get(10, TimeUnit.SECONDS));
    assertTrue(String.valueOf(e.getCause()).contains("503"), String.valueOf(e.getCause()));
  }
}
