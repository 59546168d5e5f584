package io.switchboard.app.voice;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;

import java.util.function.Function;

/**
 * A test client's WebSocket to a node on 127.0.0.1, opened on one context of the test's Vert.x, where the client
 * writes everything. It holds its {@code client} for the connection's life: Vert.x closes a client (and its
 * connections) once nothing refers to it.
 */
record LoopbackSocket(Context context, WebSocketClient client, WebSocket ws) {

  /**
   * Connects to {@code uri} on {@code port}; {@code authorization} is a header for the upgrade, or null. {@code user}
   * makes the caller's client of the socket (sets its handlers) on the socket's context as soon as it is connected,
   * before any message is delivered: a handler set later, from the test's thread, could miss the server's first event.
   */
  static <T> Future<T> open(Vertx vertx, int port, String uri, String authorization, Function<LoopbackSocket, T> user) {
    Context context = vertx.getOrCreateContext();
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> {
      WebSocketClient wsClient = vertx.createWebSocketClient();
      WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri);
      if (authorization != null) {
        options.addHeader("authorization", authorization);
      }
      wsClient.connect(options).map(ws -> user.apply(new LoopbackSocket(context, wsClient, ws))).onComplete(p);
    });
    return p.future();
  }

  Vertx vertx() {
    return context.owner();
  }
}
