package io.switchboard.voice.transport;

import io.switchboard.api.ErrorCode;
import io.switchboard.voice.audio.OutputFormat;
import io.switchboard.voice.audio.Pcm16;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/**
 * {@code GET /v1/voice/stream}: one call over a plain WebSocket for applications. The first message is JSON text,
 * {@code {"type":"start","sample_rate":16000, ...call parameters}}; then binary frames of 16-bit little-endian mono
 * PCM at that rate in, the agent's PCM out (at {@code output_sample_rate}, by default the same rate, in 20 ms
 * frames), and JSON events out: {@code session.started}, {@code speech.started}, {@code speech.stopped},
 * {@code transcript}, {@code response.text.delta}, {@code mark}, {@code audio.clear} (barge-in: drop what you
 * buffered), {@code response.audio.done}, {@code turn.metrics}, {@code error}, {@code session.ended}. The client may
 * echo {@code {"type":"mark","name":...}} as it plays (then what was heard is told by marks, as with Twilio) and
 * ends with {@code {"type":"stop"}}. A malformed message closes the call with an {@code error} event and the reason.
 */
public final class StreamTransport implements CallTransport {

  private static final int MAX_TEXT = 64 * 1024;

  private final CallSocket socket;
  private final CallOpener opener;
  private final String headerKey;
  private int inputRate;
  private OutputFormat output;
  private boolean echoes;

  /** @param headerKey the API key the upgrade request carried, or null */
  public StreamTransport(ServerWebSocket socket, CallOpener opener, String headerKey, Runnable onClosed) {
    this.socket = new CallSocket(socket, "stream", onClosed);
    this.opener = opener;
    this.headerKey = headerKey;
  }

  public void start() {
    socket.onProtocolError(e -> event(error(ErrorCode.INVALID_REQUEST, e.getMessage())));
    socket.read(this::text, this::binary);
  }

  @Override
  public String kind() {
    return "stream";
  }

  @Override
  public int inputRate() {
    return inputRate;
  }

  @Override
  public OutputFormat outputFormat() {
    return output;
  }

  @Override
  public boolean echoesMarks() {
    return echoes;
  }

  @Override
  public void frame(Buffer frame) {
    socket.writeBinary(frame);
  }

  @Override
  public void mark(String name) {
    event(new JsonObject().put("type", "mark").put("name", name));
  }

  @Override
  public void clear() {
    event(new JsonObject().put("type", "audio.clear"));
  }

  @Override
  public void event(JsonObject event) {
    socket.writeText(event.encode());
  }

  @Override
  public void close(short status, String reason) {
    socket.close(status, reason);
  }

  private void text(String text) {
    JsonObject msg = parse(text);
    String type = msg.getString("type");
    switch (type) {
      case "start" -> start(msg);
      case "mark" -> {
        requireStarted(type);
        if (!(msg.getValue("name") instanceof String name)) {
          throw new ProtocolException(ProtocolException.POLICY, "mark without a name");
        }
        if (socket.session() != null) {
          if (!echoes) {
            echoes = true;
            socket.session().marksEchoed();
          }
          socket.session().marked(name);
        }
      }
      case "stop" -> {
        requireStarted(type);
        socket.hangUp("client stopped");
      }
      default -> throw new ProtocolException(ProtocolException.POLICY, "unknown message type '" + type + "'");
    }
  }

  private static JsonObject parse(String text) {
    if (text.length() > MAX_TEXT) {
      throw new ProtocolException(ProtocolException.TOO_BIG, "message of " + text.length() + " characters (at most " + MAX_TEXT + ")");
    }
    Object value;
    try {
      value = Json.decodeValue(text);
    } catch (DecodeException e) {
      throw new ProtocolException(ProtocolException.INVALID, "message is not JSON");
    }
    if (!(value instanceof JsonObject json) || !(json.getValue("type") instanceof String)) {
      throw new ProtocolException(ProtocolException.POLICY, "message is not a JSON object with a 'type'");
    }
    return json;
  }

  private void start(JsonObject msg) {
    if (socket.state() != CallSocket.State.NEW) {
      throw new ProtocolException(ProtocolException.POLICY, "a second 'start'");
    }
    inputRate = rate(msg, "sample_rate", null);
    output = OutputFormat.pcm(rate(msg, "output_sample_rate", inputRate));
    socket.open(opener, this, msg, headerKey, null, e -> event(error(e.errorCode(), e.getMessage())));
  }

  private static int rate(JsonObject msg, String field, Integer fallback) {
    Object v = msg.getValue(field);
    if (v == null && fallback != null) {
      return fallback;
    }
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.intValue() < 8000 || n.intValue() > 48000) {
      throw new ProtocolException(ProtocolException.POLICY, "'" + field + "' must be a whole number of Hz from 8000 to 48000");
    }
    return n.intValue();
  }

  private void binary(Buffer audio) {
    if (!socket.started()) {
      throw new ProtocolException(ProtocolException.POLICY, "audio before 'start'");
    }
    if (audio.length() % 2 != 0) {
      throw new ProtocolException(ProtocolException.INVALID, "audio frame of " + audio.length() + " bytes is not whole 16-bit samples");
    }
    if (audio.length() > inputRate * 2) {
      throw new ProtocolException(ProtocolException.TOO_BIG, "audio frame of " + audio.length() + " bytes (at most one second)");
    }
    socket.audio(Pcm16.decode(audio.getBytes(), 0, audio.length()));
  }

  private void requireStarted(String type) {
    if (!socket.started()) {
      throw new ProtocolException(ProtocolException.POLICY, "'" + type + "' before 'start'");
    }
  }

  private static JsonObject error(ErrorCode code, String message) {
    return new JsonObject().put("type", "error").put("error", new JsonObject().put("message", message).put("type", code.type())
      .put("code", code.openAiCode()));
  }
}
