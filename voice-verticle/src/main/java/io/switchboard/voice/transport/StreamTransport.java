package io.switchboard.voice.transport;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.voice.audio.OutputFormat;
import io.switchboard.voice.audio.Pcm16;
import io.switchboard.voice.call.CallSession;
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

  private static final System.Logger LOG = System.getLogger(StreamTransport.class.getName());
  private static final int MAX_TEXT = 64 * 1024;

  private enum State { NEW, OPENING, ACTIVE, CLOSED }

  private final ServerWebSocket socket;
  private final CallOpener opener;
  private final String headerKey;
  private final Runnable onClosed;
  private final EarlyAudio early = new EarlyAudio();
  private State state = State.NEW;
  private int inputRate;
  private OutputFormat output;
  private CallSession session;
  private boolean echoes;

  /** @param headerKey the API key the upgrade request carried, or null */
  public StreamTransport(ServerWebSocket socket, CallOpener opener, String headerKey, Runnable onClosed) {
    this.socket = socket;
    this.opener = opener;
    this.headerKey = headerKey;
    this.onClosed = onClosed;
  }

  public void start() {
    socket.textMessageHandler(this::text);
    socket.binaryMessageHandler(this::binary);
    socket.exceptionHandler(e -> LOG.log(System.Logger.Level.DEBUG, "stream socket error: " + e.getMessage()));
    socket.closeHandler(v -> closed());
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
    if (state != State.CLOSED && !socket.isClosed()) {
      socket.writeBinaryMessage(frame);
    }
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
    if (!socket.isClosed()) {
      socket.writeTextMessage(event.encode());
    }
  }

  @Override
  public void close(short status, String reason) {
    if (!socket.isClosed()) {
      socket.close(status, reason.length() > 120 ? reason.substring(0, 120) : reason);
    }
  }

  private void text(String text) {
    if (state == State.CLOSED) {
      return;
    }
    try {
      JsonObject msg = parse(text);
      String type = msg.getString("type");
      switch (type) {
        case "start" -> start(msg);
        case "mark" -> {
          requireStarted(type);
          if (!(msg.getValue("name") instanceof String name)) {
            throw new ProtocolException(ProtocolException.POLICY, "mark without a name");
          }
          if (session != null) {
            if (!echoes) {
              echoes = true;
              session.marksEchoed();
            }
            session.marked(name);
          }
        }
        case "stop" -> {
          requireStarted(type);
          state = State.CLOSED;
          if (session != null) {
            session.end("client stopped", (short) 1000, null);
          } else {
            close((short) 1000, "stopped");
          }
        }
        default -> throw new ProtocolException(ProtocolException.POLICY, "unknown message type '" + type + "'");
      }
    } catch (ProtocolException e) {
      fail(e);
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
    if (state != State.NEW) {
      throw new ProtocolException(ProtocolException.POLICY, "a second 'start'");
    }
    inputRate = rate(msg, "sample_rate", null);
    output = OutputFormat.pcm(rate(msg, "output_sample_rate", inputRate));
    state = State.OPENING;
    opener.open(this, msg, headerKey, null).onComplete(ar -> {
      if (state == State.CLOSED) {
        if (ar.succeeded()) {
          ar.result().end("client went away", (short) 1000, null);
        }
        return;
      }
      if (ar.failed()) {
        MeshException e = MeshException.from(ar.cause());
        LOG.log(System.Logger.Level.INFO, "stream call refused: {0}", e.getMessage());
        event(error(e.errorCode(), e.getMessage()));
        state = State.CLOSED;
        close(ProtocolException.POLICY, e.getMessage());
        return;
      }
      session = ar.result();
      state = State.ACTIVE;
      session.start();
      early.replay(session);
    });
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
    if (state == State.CLOSED) {
      return;
    }
    try {
      if (state == State.NEW) {
        throw new ProtocolException(ProtocolException.POLICY, "audio before 'start'");
      }
      if (audio.length() % 2 != 0) {
        throw new ProtocolException(ProtocolException.INVALID, "audio frame of " + audio.length() + " bytes is not whole 16-bit samples");
      }
      if (audio.length() > inputRate * 2) {
        throw new ProtocolException(ProtocolException.TOO_BIG, "audio frame of " + audio.length() + " bytes (at most one second)");
      }
      float[] samples = Pcm16.decode(audio.getBytes(), 0, audio.length());
      if (session != null) {
        session.audio(samples);
      } else {
        early.add(samples);
      }
    } catch (ProtocolException e) {
      fail(e);
    }
  }

  private void requireStarted(String type) {
    if (state == State.NEW) {
      throw new ProtocolException(ProtocolException.POLICY, "'" + type + "' before 'start'");
    }
  }

  private void fail(ProtocolException e) {
    LOG.log(System.Logger.Level.WARNING, "stream call: closing it: {0}", e.getMessage());
    State was = state;
    state = State.CLOSED;
    event(error(ErrorCode.INVALID_REQUEST, e.getMessage()));
    if (was == State.ACTIVE) {
      session.end("protocol error: " + e.getMessage(), e.status(), ErrorCode.INVALID_REQUEST);
    } else {
      close(e.status(), e.getMessage());
    }
  }

  private static JsonObject error(ErrorCode code, String message) {
    return new JsonObject().put("type", "error").put("error", new JsonObject().put("message", message).put("type", code.type())
      .put("code", code.openAiCode()));
  }

  private void closed() {
    State was = state;
    state = State.CLOSED;
    if (was == State.ACTIVE) {
      session.end("client went away", (short) 1000, null);
    }
    onClosed.run();
  }
}
