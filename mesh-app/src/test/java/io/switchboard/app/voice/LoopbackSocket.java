package io.switchboard.app.voice;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;

/**
 * A test client's WebSocket to a node on 127.0.0.1, opened on one context of the test's Vert.x, where the client
 * writes everything. It holds its {@code client} for the connection's life: Vert.x closes a client (and its
 * connections) once nothing refers to it.
 */
record LoopbackSocket(Context context, WebSocketClient client, WebSocket ws) {

  /**
   * Connects to {@code uri} on {@code port}; {@code authorization} is a header for the upgrade, or null. The future
   * completes on the socket's context, so that a caller that sets its handlers then misses no message.
   */
  static Future<LoopbackSocket> open(Vertx vertx, int port, String uri, String authorization) {
    Context context = vertx.getOrCreateContext();
    Promise<LoopbackSocket> p = Promise.promise();
    context.runOnContext(v -> {
      WebSocketClient client = vertx.createWebSocketClient();
      WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri);
      if (authorization != null) {
        options.addHeader("authorization", authorization);
      }
      client.connect(options).map(ws -> new LoopbackSocket(context, client, ws)).onComplete(p);
    });
    return p.future();
  }

  Vertx vertx() {
    return context.owner();
  }
}
