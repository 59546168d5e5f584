package io.switchboard.voice;

import io.switchboard.core.web.WebMount;
import io.switchboard.voice.vad.TestVad;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The voice mount found by ServiceLoader on a Vert.x Web router, as a node's web server hosts it, without a router
 * behind it: the call limits (calls per node, call length, silence) and the key requirement hold on their own.
 */
class VoiceWebMountTest {

  private Vertx vertx;
  private HttpServer server;
  private List<WebMount> mounts;
  /** Held: Vert.x closes a client (and its connections) once nothing refers to it. */
  private WebSocketClient client;

  private void start(JsonObject voice) throws Exception {
    TestVad.path();
    vertx = Vertx.vertx();
    client = vertx.createWebSocketClient();
    Router router = Router.router(vertx);
    mounts = WebMount.mountAll(WebMount.discover(), vertx, router, new JsonObject().put("voice", voice)).await(30, TimeUnit.SECONDS);
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private WebSocket call(JsonObject start) throws Exception {
    WebSocket ws = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.actualPort())
      .setURI("/v1/voice/stream")).await(10, TimeUnit.SECONDS);
    ws.writeTextMessage(start.put("type", "start").encode());
    return ws;
  }

  private static CompletableFuture<Short> closed(WebSocket ws) {
    CompletableFuture<Short> f = new CompletableFuture<>();
    ws.closeHandler(v -> f.complete(ws.closeStatusCode()));
    return f;
  }

  @Test
  void aFullNodeRefusesBeforeTheUpgradeWithRetryAfter() throws Exception {
    start(new JsonObject().put("max_calls", 1));
    assertEquals(1, mounts.size());
    assertEquals("voice", mounts.get(0).configKey());
    call(new JsonObject().put("sample_rate", 16000));
    HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + "/v1/voice/stream"))
      .timeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> refused = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
      .send(get, HttpResponse.BodyHandlers.ofString());
    assertEquals(400, refused.statusCode(), "a plain GET is told to upgrade: " + refused.body());
    var second = client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.actualPort())
      .setURI("/v1/voice/twilio")).toCompletionStage().toCompletableFuture();
    Exception e = assertThrows(Exception.class, () -> second.get(10, TimeUnit.SECONDS));
    assertTrue(String.valueOf(e.getCause()).contains("503"), String.valueOf(e.getCause()));
  }

  @Test
  void aCallEndsAtItsMaximumLength() throws Exception {
    start(new JsonObject().put("max_call_ms", 1500));
    long t0 = System.currentTimeMillis();
    WebSocket ws = call(new JsonObject().put("sample_rate", 16000));
    CompletableFuture<Short> closed = closed(ws);
    vertx.setPeriodic(20, t -> ws.writeBinaryMessage(Buffer.buffer(new byte[640])));
    assertEquals((short) 1000, closed.get(10, TimeUnit.SECONDS));
    assertEquals("maximum call length reached", ws.closeReason());
    assertTrue(System.currentTimeMillis() - t0 >= 1400);
  }

  @Test
  void aSilentCallEndsAfterTheSilenceTimeout() throws Exception {
    start(new JsonObject().put("silence_timeout_ms", 1500));
    WebSocket ws = call(new JsonObject().put("sample_rate", 8000));
    CompletableFuture<Short> closed = closed(ws);
    vertx.setPeriodic(20, t -> ws.writeBinaryMessage(Buffer.buffer(new byte[320])));
    assertEquals((short) 1000, closed.get(10, TimeUnit.SECONDS));
    assertEquals("silence timeout", ws.closeReason());
  }

  @Test
  void whenKeysAreRequiredACallWithoutOneIsRefused() throws Exception {
    start(new JsonObject().put("require_keys", true));
    WebSocket ws = call(new JsonObject().put("sample_rate", 16000));
    CompletableFuture<Short> closed = closed(ws);
    assertEquals((short) 1008, closed.get(10, TimeUnit.SECONDS));
    assertTrue(ws.closeReason().contains("requires an API key"), ws.closeReason());
    WebSocket withKey = call(new JsonObject().put("sample_rate", 16000).put("api_key", "sb-k_abc-secret"));
    assertEquals((short) 1008, closed(withKey).get(10, TimeUnit.SECONDS));
    assertTrue(withKey.closeReason().contains("no usage ledger"), withKey.closeReason());
  }
}
