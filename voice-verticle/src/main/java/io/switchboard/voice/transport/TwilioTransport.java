package io.switchboard.voice.transport;

import io.switchboard.api.ErrorCode;
import io.switchboard.api.MeshException;
import io.switchboard.voice.audio.OutputFormat;
import io.switchboard.voice.audio.Pcm16;
import io.switchboard.voice.call.CallSession;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

/**
 * {@code GET /v1/voice/twilio}: one call over Twilio Media Streams, exactly as Twilio speaks it. In: {@code connected},
 * then {@code start} (the call's settings in {@code customParameters}), then {@code media} (base64 μ-law 8 kHz),
 * {@code mark} echoes, {@code dtmf}, {@code stop}. Out: {@code media} (one whole 160-byte 20 ms frame each),
 * {@code mark} after each spoken piece, {@code clear} on barge-in. Every message is checked; the first that is
 * malformed or out of order closes this call (and only this call) with the reason, which is logged.
 */
public final class TwilioTransport implements CallTransport {

  private static final System.Logger LOG = System.getLogger(TwilioTransport.class.getName());

  private enum State { NEW, CONNECTED, OPENING, ACTIVE, CLOSED }

  private final ServerWebSocket socket;
  private final CallOpener opener;
  private final Runnable onClosed;
  private final EarlyAudio early = new EarlyAudio();
  private State state = State.NEW;
  private String streamSid;
  private CallSession session;

  /** @param onClosed runs once when the socket closes, whether or not a call was opened on it */
  public TwilioTransport(ServerWebSocket socket, CallOpener opener, Runnable onClosed) {
    this.socket = socket;
    this.opener = opener;
    this.onClosed = onClosed;
  }

  /** Starts reading the socket. */
  public void start() {
    socket.textMessageHandler(this::text);
    socket.binaryMessageHandler(b -> fail(new ProtocolException(ProtocolException.UNSUPPORTED, "binary frame (Twilio sends JSON text)")));
    socket.exceptionHandler(e -> LOG.log(System.Logger.Level.DEBUG, "twilio socket error: " + e.getMessage()));
    socket.closeHandler(v -> closed());
  }

  @Override
  public String kind() {
    return "twilio";
  }

  @Override
  public int inputRate() {
    return 8000;
  }

  @Override
  public OutputFormat outputFormat() {
    return OutputFormat.TWILIO;
  }

  @Override
  public boolean echoesMarks() {
    return true;
  }

  @Override
  public void frame(Buffer frame) {
    send(TwilioMessages.media(streamSid, frame.getBytes()));
  }

  @Override
  public void mark(String name) {
    send(TwilioMessages.mark(streamSid, name));
  }

  @Override
  public void clear() {
    send(TwilioMessages.clear(streamSid));
  }

  @Override
  public void event(JsonObject event) {
    // Twilio's protocol has no such messages: sending one is an error on Twilio's side (31951).
  }

  @Override
  public void close(short status, String reason) {
    if (!socket.isClosed()) {
      socket.close(status, reason.length() > 120 ? reason.substring(0, 120) : reason);
    }
  }

  private void send(String message) {
    if (state != State.CLOSED && !socket.isClosed()) {
      socket.writeTextMessage(message);
    }
  }

  private void text(String text) {
    if (state == State.CLOSED) {
      return;
    }
    try {
      JsonObject msg = TwilioMessages.parse(text);
      switch (msg.getString("event")) {
        case "connected" -> connected();
        case "start" -> start(msg);
        case "media" -> media(msg);
        case "mark" -> marked(msg);
        case "dtmf" -> dtmf(msg);
        case "stop" -> stop(msg);
        default -> throw new ProtocolException(ProtocolException.POLICY, "unknown event '" + msg.getString("event") + "'");
      }
    } catch (ProtocolException e) {
      fail(e);
    }
  }

  private void connected() {
    if (state != State.NEW) {
      throw new ProtocolException(ProtocolException.POLICY, "'connected' after the stream started");
    }
    state = State.CONNECTED;
  }

  private void start(JsonObject msg) {
    if (state != State.NEW && state != State.CONNECTED) {
      throw new ProtocolException(ProtocolException.POLICY, "a second 'start'");
    }
    JsonObject start = TwilioMessages.object(msg, "start");
    streamSid = TwilioMessages.string(msg, "streamSid", "start");
    if (!streamSid.equals(start.getString("streamSid", streamSid))) {
      throw new ProtocolException(ProtocolException.POLICY, "start.streamSid differs from the message's streamSid");
    }
    String callSid = TwilioMessages.string(start, "callSid", "start");
    TwilioMessages.checkFormat(start);
    Object params = start.getValue("customParameters");
    if (params != null && !(params instanceof JsonObject)) {
      throw new ProtocolException(ProtocolException.POLICY, "start.customParameters is not an object");
    }
    state = State.OPENING;
    opener.open(this, params == null ? new JsonObject() : (JsonObject) params, null, callSid).onComplete(ar -> {
      if (state == State.CLOSED) {
        if (ar.succeeded()) {
          ar.result().end("caller hung up", (short) 1000, null);
        }
        return;
      }
      if (ar.failed()) {
        MeshException e = MeshException.from(ar.cause());
        LOG.log(System.Logger.Level.INFO, "twilio stream {0} (call {1}) refused: {2}", streamSid, callSid, e.getMessage());
        close(ProtocolException.POLICY, e.getMessage());
        return;
      }
      session = ar.result();
      state = State.ACTIVE;
      session.start();
      early.replay(session);
    });
  }

  private void media(JsonObject msg) {
    if (state != State.OPENING && state != State.ACTIVE) {
      throw new ProtocolException(ProtocolException.POLICY, "'media' before 'start'");
    }
    checkSid(msg);
    JsonObject media = TwilioMessages.object(msg, "media");
    if ("outbound".equals(media.getString("track"))) {
      return; // our own audio, when a stream forks both tracks
    }
    byte[] payload = TwilioMessages.payload(media);
    float[] samples = Pcm16.decodeMulaw(payload, 0, payload.length);
    if (state == State.ACTIVE) {
      session.audio(samples);
    } else {
      early.add(samples);
    }
  }

  private void marked(JsonObject msg) {
    requireStarted("mark");
    checkSid(msg);
    String name = TwilioMessages.string(TwilioMessages.object(msg, "mark"), "name", "mark");
    if (session != null) {
      session.marked(name);
    }
  }

  private void dtmf(JsonObject msg) {
    requireStarted("dtmf");
    checkSid(msg);
    String digit = TwilioMessages.string(TwilioMessages.object(msg, "dtmf"), "digit", "dtmf");
    LOG.log(System.Logger.Level.DEBUG, "twilio stream {0}: dtmf {1}", streamSid, digit);
  }

  private void stop(JsonObject msg) {
    requireStarted("stop");
    checkSid(msg);
    if (session != null) {
      session.end("caller hung up", (short) 1000, null);
    } else {
      close((short) 1000, "stopped");
    }
    state = State.CLOSED;
  }

  private void requireStarted(String event) {
    if (state != State.OPENING && state != State.ACTIVE) {
      throw new ProtocolException(ProtocolException.POLICY, "'" + event + "' before 'start'");
    }
  }

  private void checkSid(JsonObject msg) {
    if (!streamSid.equals(msg.getValue("streamSid"))) {
      throw new ProtocolException(ProtocolException.POLICY, "message for another streamSid");
    }
  }

  private void fail(ProtocolException e) {
    LOG.log(System.Logger.Level.WARNING, "twilio stream {0}: closing the call: {1}", streamSid, e.getMessage());
    State was = state;
    state = State.CLOSED;
    if (was == State.ACTIVE) {
      session.end("protocol error: " + e.getMessage(), e.status(), ErrorCode.INVALID_REQUEST);
    } else {
      close(e.status(), e.getMessage());
    }
  }

  private void closed() {
    State was = state;
    state = State.CLOSED;
    if (was == State.ACTIVE) {
      session.end("caller hung up", (short) 1000, null);
    }
    onClosed.run();
  }
}
