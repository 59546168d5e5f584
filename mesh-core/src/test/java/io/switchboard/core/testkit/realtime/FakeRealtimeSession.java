package io.switchboard.core.testkit.realtime;

import io.switchboard.core.audio.G711;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One socket of the {@link FakeRealtimeServer}: the GA protocol as the real server speaks it, on the server's context.
 * Records every client event received and every server event sent.
 */
public final class FakeRealtimeSession {

  private static final Set<String> CLIENT_EVENTS = Set.of("session.update", "input_audio_buffer.append", "input_audio_buffer.commit",
    "input_audio_buffer.clear", "conversation.item.create", "conversation.item.retrieve", "conversation.item.truncate",
    "conversation.item.delete", "response.create", "response.cancel");
  /** Deltas go out this many times faster than real time (the real server runs ahead of playback too). */
  private static final int PACE = 4;

  private final Vertx vertx;
  private final io.vertx.core.Context context;
  private final ServerWebSocket ws;
  private final HttpConnection connection;
  private final FakeRealtimeServer.Script script;
  private final List<JsonObject> received = new CopyOnWriteArrayList<>();
  private final List<JsonObject> sent = new CopyOnWriteArrayList<>();
  private final JsonObject session;
  private final java.util.Map<String, Integer> assistantAudioMs = new java.util.concurrent.ConcurrentHashMap<>();
  private int ids;
  private double audioMs;
  private boolean speaking;
  private double speechStartMs;
  private double quietMs;
  private Response response;
  private int responses;
  private volatile boolean closed;

  private final class Response {
    final String id = "resp_" + (++responses);
    final String itemId = "item_a" + responses;
    long timer = -1;
    int deltas;
  }

  FakeRealtimeSession(Vertx vertx, ServerWebSocket ws, HttpConnection connection, String model, FakeRealtimeServer.Script script) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.ws = ws;
    this.connection = connection;
    this.script = script;
    this.session = new JsonObject().put("type", "realtime").put("object", "realtime.session").put("id", "sess_" + System.nanoTime())
      .put("model", model).put("output_modalities", new JsonArray().add("audio")).put("instructions", "")
      .put("audio", new JsonObject()
        .put("input", new JsonObject().put("format", new JsonObject().put("type", "audio/pcm").put("rate", 24000))
          .put("turn_detection", new JsonObject().put("type", "server_vad").put("threshold", 0.5).put("prefix_padding_ms", 300)
            .put("silence_duration_ms", 500).put("create_response", true).put("interrupt_response", true)))
        .put("output", new JsonObject().put("format", new JsonObject().put("type", "audio/pcm").put("rate", 24000)).put("voice", "alloy")));
    ws.textMessageHandler(this::onText);
    ws.closeHandler(v -> closed = true);
    send(new JsonObject().put("type", "session.created").put("session", session.copy()));
  }

  /** Every client event received, in order. */
  public List<JsonObject> received() {
    return received;
  }

  /** The client events of {@code type} received. */
  public List<JsonObject> received(String type) {
    return received.stream().filter(e -> type.equals(e.getString("type"))).toList();
  }

  /** Every server event sent, in order. */
  public List<JsonObject> sent() {
    return sent;
  }

  public List<JsonObject> sent(String type) {
    return sent.stream().filter(e -> type.equals(e.getString("type"))).toList();
  }

  public boolean closed() {
    return closed;
  }

  /** The session's current configuration (after the client's updates). */
  public JsonObject session() {
    return session.copy();
  }

  /** Sends {@code speech_started} now, as the server VAD would (runs on the server's context). */
  public void speechStarted() {
    context.runOnContext(v -> startSpeech());
  }

  /** The session hits its maximum length: an {@code error} with code {@code session_expired}, then close 1001. */
  public void expire() {
    context.runOnContext(v -> {
      send(error("invalid_request_error", "session_expired", "Your session hit the maximum duration of 60 minutes.", null));
      ws.close((short) 1001, "session expired");
    });
  }

  private void onText(String text) {
    JsonObject event;
    try {
      event = new JsonObject(text);
    } catch (DecodeException e) {
      send(error("invalid_request_error", "invalid_json", "The server could not parse the event as JSON.", null));
      return;
    }
    received.add(event);
    String type = event.getString("type", "");
    if (!CLIENT_EVENTS.contains(type)) {
      send(error("invalid_request_error", "invalid_value", "Invalid value: '" + type + "'. Supported values are: "
        + String.join(", ", CLIENT_EVENTS) + ".", "type"));
      return;
    }
    switch (type) {
      case "session.update" -> {
        session.mergeIn(event.getJsonObject("session", new JsonObject()), true);
        send(new JsonObject().put("type", "session.updated").put("session", session.copy()));
      }
      case "input_audio_buffer.append" -> append(event.getString("audio", ""));
      case "input_audio_buffer.commit" -> send(new JsonObject().put("type", "input_audio_buffer.committed").put("item_id", "item_u" + ids));
      case "input_audio_buffer.clear" -> send(new JsonObject().put("type", "input_audio_buffer.cleared"));
      case "conversation.item.create" -> {
        JsonObject item = event.getJsonObject("item", new JsonObject()).copy().put("id", "item_c" + (++ids)).put("status", "completed");
        send(new JsonObject().put("type", "conversation.item.added").put("item", item));
        send(new JsonObject().put("type", "conversation.item.done").put("item", item));
      }
      case "conversation.item.truncate" -> truncate(event);
      case "response.create" -> respond();
      case "response.cancel" -> cancel();
      default -> send(error("invalid_request_error", "unsupported", type + " is not supported by this fake", "type"));
    }
  }

  private void append(String b64) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException e) {
      send(error("invalid_request_error", "invalid_value", "Invalid base64 audio.", "audio"));
      return;
    }
    JsonObject format = session.getJsonObject("audio").getJsonObject("input").getJsonObject("format");
    boolean mulaw = "audio/pcmu".equals(format.getString("type"));
    int n = mulaw ? bytes.length : bytes.length / 2;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      float s = mulaw ? G711.decodeMulaw(bytes[i]) : (short) ((bytes[2 * i] & 0xff) | (bytes[2 * i + 1] << 8)) / 32768f;
      sum += s * s;
    }
    double ms = n * 1000.0 / (mulaw ? 8000 : format.getInteger("rate", 24000));
    boolean loud = n > 0 && Math.sqrt(sum / n) > 0.02;
    audioMs += ms;
    if (loud) {
      quietMs = 0;
      if (!speaking) {
        startSpeech();
      }
    } else if (speaking) {
      quietMs += ms;
      if (quietMs >= script.silenceMs) {
        stopSpeech();
      }
    }
  }

  private void startSpeech() {
    speaking = true;
    speechStartMs = audioMs;
    send(new JsonObject().put("type", "input_audio_buffer.speech_started").put("audio_start_ms", (long) audioMs).put("item_id", "item_u" + (ids + 1)));
    if (response != null) {
      cancel(); // interrupt_response: true
    }
  }

  private void stopSpeech() {
    speaking = false;
    String item = "item_u" + (++ids);
    send(new JsonObject().put("type", "input_audio_buffer.speech_stopped").put("audio_end_ms", (long) audioMs).put("item_id", item));
    send(new JsonObject().put("type", "input_audio_buffer.committed").put("item_id", item).put("previous_item_id", (Object) null));
    send(new JsonObject().put("type", "conversation.item.added").put("item", new JsonObject().put("id", item).put("type", "message")
      .put("role", "user").put("content", new JsonArray().add(new JsonObject().put("type", "input_audio")))));
    send(new JsonObject().put("type", "conversation.item.input_audio_transcription.completed").put("item_id", item)
      .put("content_index", 0).put("transcript", script.transcript));
    respond();
  }

  private void respond() {
    if (response != null) {
      send(error("invalid_request_error", "conversation_already_has_active_response", "Conversation already has an active response", null));
      return;
    }
    Response r = new Response();
    response = r;
    r.timer = vertx.setTimer(Math.max(1, script.firstAudioMs), t -> {
      send(new JsonObject().put("type", "response.created").put("response", new JsonObject().put("id", r.id).put("status", "in_progress")));
      send(new JsonObject().put("type", "response.output_item.added").put("response_id", r.id).put("output_index", 0)
        .put("item", new JsonObject().put("id", r.itemId).put("type", "message").put("role", "assistant")));
      assistantAudioMs.put(r.itemId, 0);
      delta(r);
    });
  }

  private void delta(Response r) {
    if (response != r || closed) {
      return;
    }
    int total = script.responseMs / script.deltaMs;
    if (r.deltas == script.cutAfterDeltas) {
      connection.close(); // the TCP connection drops: no close frame, no response.done
      return;
    }
    if (r.deltas >= total) {
      finish(r, "completed");
      return;
    }
    String[] words = script.answer.split(" ");
    if (r.deltas < words.length) {
      send(new JsonObject().put("type", "response.output_audio_transcript.delta").put("response_id", r.id).put("item_id", r.itemId)
        .put("output_index", 0).put("content_index", 0).put("delta", (r.deltas == 0 ? "" : " ") + words[r.deltas]));
    }
    send(new JsonObject().put("type", "response.output_audio.delta").put("response_id", r.id).put("item_id", r.itemId)
      .put("output_index", 0).put("content_index", 0).put("delta", Base64.getEncoder().encodeToString(tone(script.deltaMs, r.deltas))));
    assistantAudioMs.merge(r.itemId, script.deltaMs, Integer::sum);
    r.deltas++;
    r.timer = vertx.setTimer(Math.max(1, script.deltaMs / PACE), t -> delta(r));
  }

  private void cancel() {
    Response r = response;
    if (r == null) {
      send(error("invalid_request_error", "response_cancel_not_active", "Cancellation failed: no active response found.", null));
      return;
    }
    vertx.cancelTimer(r.timer);
    finish(r, "cancelled");
  }

  private void finish(Response r, String status) {
    response = null;
    if (r.deltas > 0 && status.equals("completed")) {
      send(new JsonObject().put("type", "response.output_audio.done").put("response_id", r.id).put("item_id", r.itemId)
        .put("output_index", 0).put("content_index", 0));
      send(new JsonObject().put("type", "response.output_audio_transcript.done").put("response_id", r.id).put("item_id", r.itemId)
        .put("output_index", 0).put("content_index", 0).put("transcript", script.answer));
      send(new JsonObject().put("type", "response.output_item.done").put("response_id", r.id).put("output_index", 0)
        .put("item", new JsonObject().put("id", r.itemId).put("type", "message").put("role", "assistant").put("status", "completed")));
    }
    int outTokens = r.deltas * 5;
    JsonObject usage = script.usage != null ? script.usage.copy()
      : new JsonObject().put("total_tokens", 120 + outTokens).put("input_tokens", 120).put("output_tokens", outTokens)
        .put("input_token_details", new JsonObject().put("audio_tokens", 100).put("text_tokens", 20))
        .put("output_token_details", new JsonObject().put("audio_tokens", outTokens).put("text_tokens", 0));
    send(new JsonObject().put("type", "response.done").put("response", new JsonObject().put("id", r.id).put("status", status)
      .put("usage", usage)));
  }

  private void truncate(JsonObject event) {
    String item = event.getString("item_id");
    Integer audio = item == null ? null : assistantAudioMs.get(item);
    Object endMs = event.getValue("audio_end_ms");
    if (audio == null) {
      send(error("invalid_request_error", "item_not_found", "Item with item_id not found: " + item, "item_id"));
    } else if (!(endMs instanceof Number n) || n.longValue() < 0 || n.longValue() > audio) {
      send(error("invalid_request_error", "invalid_value", "audio_end_ms must be within the item's audio (" + audio + " ms)", "audio_end_ms"));
    } else {
      send(new JsonObject().put("type", "conversation.item.truncated").put("item_id", item).put("content_index", 0)
        .put("audio_end_ms", n.longValue()));
    }
  }

  /** A tone in the session's output format (μ-law or 16-bit PCM at its rate). */
  private byte[] tone(int ms, int index) {
    JsonObject format = session.getJsonObject("audio").getJsonObject("output").getJsonObject("format");
    boolean mulaw = "audio/pcmu".equals(format.getString("type"));
    int rate = mulaw ? 8000 : format.getInteger("rate", 24000);
    int n = rate * ms / 1000;
    byte[] out = new byte[mulaw ? n : 2 * n];
    for (int i = 0; i < n; i++) {
      float s = (float) (0.3 * Math.sin(2 * Math.PI * 440 * (index * n + i) / rate));
      if (mulaw) {
        out[i] = G711.encodeMulaw(s);
      } else {
        short v = (short) (s * 32767);
        out[2 * i] = (byte) v;
        out[2 * i + 1] = (byte) (v >> 8);
      }
    }
    return out;
  }

  private JsonObject error(String type, String code, String message, String param) {
    return new JsonObject().put("type", "error").put("error", new JsonObject().put("type", type).put("code", code)
      .put("message", message).put("param", param).put("event_id", (Object) null));
  }

  private void send(JsonObject event) {
    if (closed || ws.isClosed()) {
      return;
    }
    event.put("event_id", "event_" + System.nanoTime());
    JsonObject ordered = new JsonObject().put("type", event.getString("type"));
    ordered.mergeIn(event);
    sent.add(ordered);
    ws.writeTextMessage(ordered.encode());
  }
}
