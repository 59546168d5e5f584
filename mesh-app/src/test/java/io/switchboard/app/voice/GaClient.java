package io.switchboard.app.voice;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonObject;

import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A client that speaks only OpenAI's Realtime API (GA), as the official SDKs do over a WebSocket: JSON text events,
 * audio as base64 {@code audio/pcm} at 24 kHz in {@code input_audio_buffer.append}, paced in real time. Every event it
 * receives is checked to be a GA server event ({@link GaServerEvents}); one that is not is kept in {@link #invalid}.
 */
final class GaClient {

  private final LoopbackSocket line;
  private final List<JsonObject> received = new CopyOnWriteArrayList<>();
  private final List<String> invalid = new CopyOnWriteArrayList<>();
  private final Promise<Short> closed = Promise.promise();

  private GaClient(LoopbackSocket line) {
    this.line = line;
    WebSocket ws = line.ws();
    ws.textMessageHandler(t -> {
      try {
        received.add(GaServerEvents.check(t));
      } catch (AssertionError e) {
        invalid.add(e.getMessage());
      }
    });
    ws.closeHandler(v -> closed.tryComplete(ws.closeStatusCode()));
  }

  static Future<GaClient> connect(Vertx vertx, int port, String query) {
    return connect(vertx, port, query, null);
  }

  /** As {@link #connect(Vertx, int, String)}, with {@code authorization} (e.g. {@code Bearer sb-...}) on the upgrade, or none. */
  static Future<GaClient> connect(Vertx vertx, int port, String query, String authorization) {
    return LoopbackSocket.open(vertx, port, "/v1/realtime" + query, authorization, GaClient::new);
  }

  void send(JsonObject event) {
    sendText(event.encode());
  }

  /** Any text message, as it is (a broken client's). */
  void sendText(String text) {
    line.context().runOnContext(v -> line.ws().writeTextMessage(text));
  }

  void sendBinary(Buffer bytes) {
    line.context().runOnContext(v -> line.ws().writeBinaryMessage(bytes));
  }

  String closeReason() {
    return line.ws().closeReason();
  }

  /** Appends {@code pcm24k} in 100 ms events, one every {@code paceMs}; completes after the last. */
  Future<Void> say(float[] pcm24k, long paceMs) {
    Promise<Void> done = Promise.promise();
    int chunk = 2400;
    int[] at = {0};
    line.context().runOnContext(v -> line.vertx().setPeriodic(paceMs, t -> {
      if (at[0] >= pcm24k.length) {
        line.vertx().cancelTimer(t);
        done.tryComplete();
        return;
      }
      int n = Math.min(chunk, pcm24k.length - at[0]);
      byte[] bytes = new byte[2 * n];
      for (int i = 0; i < n; i++) {
        short s = (short) Math.max(-32768, Math.min(32767, Math.round(pcm24k[at[0] + i] * 32767)));
        bytes[2 * i] = (byte) s;
        bytes[2 * i + 1] = (byte) (s >> 8);
      }
      at[0] += n;
      line.ws().writeTextMessage(new JsonObject().put("type", "input_audio_buffer.append").put("audio", Base64.getEncoder().encodeToString(bytes))
        .encode());
    }));
    return done.future();
  }

  List<JsonObject> events(String type) {
    return received.stream().filter(e -> type.equals(e.getString("type"))).toList();
  }

  List<JsonObject> received() {
    return received;
  }

  List<String> invalid() {
    return invalid;
  }

  Future<Short> closed() {
    return closed.future();
  }

  void close() {
    line.context().runOnContext(v -> line.ws().close());
  }
}
