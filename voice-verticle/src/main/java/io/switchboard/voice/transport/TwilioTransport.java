package io.switchboard.voice.transport;

import io.switchboard.voice.audio.OutputFormat;
import io.switchboard.voice.audio.Pcm16;
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

  private final CallSocket socket;
  private final CallOpener opener;
  private boolean connected;
  private String streamSid;

  /** @param onClosed runs once when the socket closes, whether or not a call was opened on it */
  public TwilioTransport(ServerWebSocket socket, CallOpener opener, Runnable onClosed) {
    this.socket = new CallSocket(socket, "twilio", onClosed);
    this.opener = opener;
  }

  /** Starts reading the socket. */
  public void start() {
    socket.read(this::text, b -> {
      throw new ProtocolException(ProtocolException.UNSUPPORTED, "binary frame (Twilio sends JSON text)");
    });
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
    socket.close(status, reason);
  }

  private void send(String message) {
    if (socket.isOpen()) {
      socket.writeText(message);
    }
  }

  private void text(String text) {
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
  }

  private void connected() {
    if (connected || socket.state() != CallSocket.State.NEW) {
      throw new ProtocolException(ProtocolException.POLICY, "'connected' after the stream started");
    }
    connected = true;
  }

  private void start(JsonObject msg) {
    if (socket.state() != CallSocket.State.NEW) {
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
    socket.open(opener, this, params == null ? new JsonObject() : (JsonObject) params, null, callSid, e -> { });
  }

  private void media(JsonObject msg) {
    requireStarted("media");
    checkSid(msg);
    JsonObject media = TwilioMessages.object(msg, "media");
    if ("outbound".equals(media.getString("track"))) {
      return; // our own audio, when a stream forks both tracks
    }
    byte[] payload = TwilioMessages.payload(media);
    socket.audio(Pcm16.decodeMulaw(payload, 0, payload.length));
  }

  private void marked(JsonObject msg) {
    requireStarted("mark");
    checkSid(msg);
    String name = TwilioMessages.string(TwilioMessages.object(msg, "mark"), "name", "mark");
    if (socket.session() != null) {
      socket.session().marked(name);
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
    socket.hangUp("caller hung up");
  }

  private void requireStarted(String event) {
    if (!socket.started()) {
      throw new ProtocolException(ProtocolException.POLICY, "'" + event + "' before 'start'");
    }
  }

  private void checkSid(JsonObject msg) {
    if (!streamSid.equals(msg.getValue("streamSid"))) {
      throw new ProtocolException(ProtocolException.POLICY, "message for another streamSid");
    }
  }
}
