package io.switchboard.app.voice;

import io.switchboard.core.audio.G711;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Plays Twilio's side of a Media Stream, exactly as Twilio speaks it (VOICE-FACTS §1): {@code connected}, then
 * {@code start} with the call's {@code customParameters}, then one {@code media} message of 160 μ-law bytes every
 * 20 ms (speech when there is some to say, the line's silence otherwise), numbers as strings; {@code stop} at the end.
 * It plays what it receives like Twilio does: outbound frames play back to back in real time, each {@code mark} is
 * echoed when playback reaches it, and a {@code clear} drops what is buffered and echoes every pending mark at once.
 * Everything runs on one context of the test's Vert.x.
 */
final class TwilioCaller {

  /** A received message and when it came (ms since the call started). */
  record Received(long atMs, JsonObject message) {
  }

  private final Vertx vertx;
  private final Context context;
  /** Held for the call's life: Vert.x closes a client (and its connections) once nothing refers to it. */
  private final WebSocketClient client;
  private final WebSocket socket;
  private final String streamSid = "MZ" + Long.toHexString(System.nanoTime());
  private final String callSid = "CA" + Long.toHexString(System.nanoTime() + 1);
  private final ArrayDeque<byte[]> outgoing = new ArrayDeque<>();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final List<byte[]> frames = new CopyOnWriteArrayList<>();
  private final List<String> echoed = new CopyOnWriteArrayList<>();
  private final Map<String, Long> pendingMarks = new LinkedHashMap<>();
  private final long startedAt = System.nanoTime();
  private final Promise<Short> closed = Promise.promise();
  private int sequence;
  private int chunk;
  private long playhead;
  private long timer = -1;
  private volatile long speechQueuedAt = -1;
  private volatile long speechStartedAt = -1;

  private TwilioCaller(Vertx vertx, Context context, WebSocketClient client, WebSocket socket) {
    this.vertx = vertx;
    this.context = context;
    this.client = client;
    this.socket = socket;
  }

  /** Connects to {@code /v1/voice/twilio} and sends {@code connected} and {@code start}; audio flows from then on. */
  static Future<TwilioCaller> connect(Vertx vertx, int port, JsonObject customParameters) {
    return raw(vertx, port).map(c -> c.begin(customParameters));
  }

  /** Sends {@code connected} and {@code start}, then a media frame every 20 ms. */
  TwilioCaller begin(JsonObject customParameters) {
    context.runOnContext(v -> {
      text(new JsonObject().put("event", "connected").put("protocol", "Call").put("version", "1.0.0"));
      text(start(customParameters));
      timer = vertx.setPeriodic(20, t -> tick());
    });
    return this;
  }

  /** Connects and sends nothing: the test writes the messages itself. */
  static Future<TwilioCaller> raw(Vertx vertx, int port) {
    Context context = vertx.getOrCreateContext();
    Promise<TwilioCaller> p = Promise.promise();
    context.runOnContext(v -> {
      WebSocketClient client = vertx.createWebSocketClient();
      client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/v1/voice/twilio"))
      .onFailure(p::fail)
      .onSuccess(ws -> {
        TwilioCaller c = new TwilioCaller(vertx, context, client, ws);
        ws.textMessageHandler(c::onText);
        ws.closeHandler(x -> {
          c.stopTimer();
          c.closed.tryComplete(ws.closeStatusCode());
        });
        p.complete(c);
      });
    });
    return p.future();
  }

  JsonObject start(JsonObject customParameters) {
    return new JsonObject().put("event", "start").put("sequenceNumber", seq()).put("streamSid", streamSid)
      .put("start", new JsonObject().put("streamSid", streamSid).put("accountSid", "AC0123").put("callSid", callSid)
        .put("tracks", List.of("inbound")).put("customParameters", customParameters)
        .put("mediaFormat", new JsonObject().put("encoding", "audio/x-mulaw").put("sampleRate", 8000).put("channels", 1)));
  }

  String streamSid() {
    return streamSid;
  }

  String callSid() {
    return callSid;
  }

  /** Queues speech (8 kHz floats) to go out in 20 ms frames after what is queued. */
  void say(float[] audio8k) {
    context.runOnContext(v -> {
      if (outgoing.isEmpty()) {
        speechQueuedAt = now();
      }
      for (int at = 0; at < audio8k.length; at += 160) {
        byte[] frame = new byte[160];
        java.util.Arrays.fill(frame, (byte) 0xFF);
        for (int i = 0; i < 160 && at + i < audio8k.length; i++) {
          frame[i] = G711.encodeMulaw(audio8k[at + i]);
        }
        outgoing.add(frame);
      }
    });
  }

  /** When the most recent speech began to go out (ms since the call started), -1 before any. */
  long speechStartedAt() {
    return speechStartedAt;
  }

  /** True while speech is queued or going out. */
  boolean talking() {
    return !outgoing.isEmpty();
  }

  /** Sends a text frame as it is (malformed-input tests). */
  void send(String text) {
    context.runOnContext(v -> socket.writeTextMessage(text));
  }

  void text(JsonObject json) {
    send(json.encode());
  }

  void sendBinary(byte[] bytes) {
    context.runOnContext(v -> socket.writeBinaryMessage(io.vertx.core.buffer.Buffer.buffer(bytes)));
  }

  String seq() {
    return Integer.toString(++sequence);
  }

  /** A key pressed on the caller's handset, as Twilio reports it on a bidirectional stream. */
  void dtmf(String digit) {
    context.runOnContext(v -> text(new JsonObject().put("event", "dtmf").put("streamSid", streamSid).put("sequenceNumber", seq())
      .put("dtmf", new JsonObject().put("track", "inbound_track").put("digit", digit))));
  }

  /** Hangs up: {@code stop}, then the socket closes. */
  void hangUp() {
    context.runOnContext(v -> {
      stopTimer();
      text(new JsonObject().put("event", "stop").put("sequenceNumber", seq()).put("streamSid", streamSid)
        .put("stop", new JsonObject().put("accountSid", "AC0123").put("callSid", callSid)));
    });
  }

  Future<Short> closed() {
    return closed.future();
  }

  String closeReason() {
    return socket.closeReason();
  }

  List<Received> received() {
    return received;
  }

  List<Received> events(String event) {
    return received.stream().filter(r -> event.equals(r.message.getString("event"))).toList();
  }

  /** The μ-law bytes of every media frame received, in order. */
  List<byte[]> frames() {
    return frames;
  }

  List<String> echoedMarks() {
    return echoed;
  }

  long now() {
    return (System.nanoTime() - startedAt) / 1_000_000;
  }

  private void tick() {
    byte[] frame = outgoing.poll();
    if (frame == null) {
      frame = new byte[160];
      java.util.Arrays.fill(frame, (byte) 0xFF);
    } else if (speechQueuedAt >= 0) {
      speechStartedAt = now();
      speechQueuedAt = -1;
    }
    chunk++;
    text(new JsonObject().put("event", "media").put("sequenceNumber", seq()).put("streamSid", streamSid)
      .put("media", new JsonObject().put("track", "inbound").put("chunk", Integer.toString(chunk))
        .put("timestamp", Long.toString(chunk * 20L)).put("payload", Base64.getEncoder().encodeToString(frame))));
  }

  private void onText(String text) {
    JsonObject msg = new JsonObject(text);
    long t = now();
    received.add(new Received(t, msg));
    switch (msg.getString("event", "")) {
      case "media" -> {
        frames.add(Base64.getDecoder().decode(msg.getJsonObject("media").getString("payload")));
        playhead = Math.max(playhead, t) + 20;
      }
      case "mark" -> {
        String name = msg.getJsonObject("mark").getString("name");
        pendingMarks.put(name, playhead);
        vertx.setTimer(Math.max(1, playhead - t), x -> echo(name));
      }
      case "clear" -> {
        playhead = t;
        new ArrayList<>(pendingMarks.keySet()).forEach(this::echo);
      }
      default -> { }
    }
  }

  private void echo(String name) {
    if (pendingMarks.remove(name) == null || socket.isClosed()) {
      return;
    }
    echoed.add(name);
    text(new JsonObject().put("event", "mark").put("sequenceNumber", seq()).put("streamSid", streamSid)
      .put("mark", new JsonObject().put("name", name)));
  }

  private void stopTimer() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }
}
