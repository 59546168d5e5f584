package io.switchboard.app.voice;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An application on the plain call socket ({@code /v1/voice/stream}): a {@code start} message, then 20 ms binary
 * frames of 16-bit PCM at the chosen rate in real time (speech, or silence between), collecting the JSON events and
 * the agent's audio. On one context of the test's Vert.x.
 */
public final class StreamCaller {

  private final LoopbackSocket line;
  private final int rate;
  private final ArrayDeque<Buffer> outgoing = new ArrayDeque<>();
  private final List<JsonObject> events = new CopyOnWriteArrayList<>();
  private final List<Buffer> audio = new CopyOnWriteArrayList<>();
  private final AtomicLong audioBytes = new AtomicLong();
  private final long startedAt = System.nanoTime();
  private final Promise<Short> closed = Promise.promise();
  private long timer = -1;
  private volatile long speechStartedAt = -1;
  private boolean speechQueued;

  private StreamCaller(LoopbackSocket line, int rate) {
    this.line = line;
    this.rate = rate;
  }

  /** Connects, sends {@code start} (with {@code sample_rate} = {@code rate} and the given parameters) and streams. */
  public static Future<StreamCaller> connect(Vertx vertx, int port, int rate, JsonObject params) {
    return raw(vertx, port, rate, null).map(c -> c.start(params));
  }

  /** Sends {@code start} (with {@code sample_rate} and the given parameters), then a frame every 20 ms. */
  StreamCaller start(JsonObject params) {
    line.context().runOnContext(v -> {
      line.ws().writeTextMessage(params.copy().put("type", "start").put("sample_rate", rate).encode());
      timer = line.vertx().setPeriodic(20, t -> tick());
    });
    return this;
  }

  /** Connects and sends nothing; {@code authorization} is a header for the upgrade, or null. */
  static Future<StreamCaller> raw(Vertx vertx, int port, int rate, String authorization) {
    return LoopbackSocket.open(vertx, port, "/v1/voice/stream", authorization, line -> {
      StreamCaller c = new StreamCaller(line, rate);
      WebSocket ws = line.ws();
      ws.textMessageHandler(t -> c.events.add(new JsonObject(t).put("at_ms", c.now()).put("at_wall_ms", System.currentTimeMillis())));
      ws.binaryMessageHandler(b -> {
        c.audio.add(b);
        c.audioBytes.addAndGet(b.length());
      });
      ws.closeHandler(x -> {
        c.stopTimer();
        c.closed.tryComplete(ws.closeStatusCode());
      });
      return c;
    });
  }

  /** Queues speech (floats at the call's rate) after what is queued. */
  public void say(float[] samples) {
    line.context().runOnContext(v -> {
      speechQueued = true;
      int frame = rate / 50;
      for (int at = 0; at < samples.length; at += frame) {
        Buffer b = Buffer.buffer(frame * 2);
        for (int i = 0; i < frame; i++) {
          float s = at + i < samples.length ? samples[at + i] : 0f;
          b.appendShortLE((short) Math.round(Math.max(-1, Math.min(1, s)) * 32767));
        }
        outgoing.add(b);
      }
    });
  }

  void sendText(String text) {
    line.context().runOnContext(v -> line.ws().writeTextMessage(text));
  }

  void sendBinary(Buffer b) {
    line.context().runOnContext(v -> line.ws().writeBinaryMessage(b));
  }

  /** Sends {@code stop}: the call ends. */
  public void stop() {
    line.context().runOnContext(v -> {
      stopTimer();
      line.ws().writeTextMessage(new JsonObject().put("type", "stop").encode());
    });
  }

  public Future<Short> closed() {
    return closed.future();
  }

  String closeReason() {
    return line.ws().closeReason();
  }

  List<JsonObject> events() {
    return events;
  }

  public List<JsonObject> events(String type) {
    return events.stream().filter(e -> type.equals(e.getString("type"))).toList();
  }

  List<Buffer> audio() {
    return audio;
  }

  /** Milliseconds of agent audio received (16-bit PCM at the output rate). */
  long audioMs(int outputRate) {
    return audioBytes.get() * 1000 / 2 / outputRate;
  }

  long speechStartedAt() {
    return speechStartedAt;
  }

  long now() {
    return (System.nanoTime() - startedAt) / 1_000_000;
  }

  private void tick() {
    Buffer frame = outgoing.poll();
    if (frame == null) {
      frame = Buffer.buffer(new byte[rate / 50 * 2]);
    } else if (speechQueued) {
      speechQueued = false;
      speechStartedAt = now();
    }
    line.ws().writeBinaryMessage(frame);
  }

  private void stopTimer() {
    if (timer >= 0) {
      line.vertx().cancelTimer(timer);
      timer = -1;
    }
  }
}
