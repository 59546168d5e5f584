package io.switchboard.voice.realtime;

import io.switchboard.voice.audio.OutputFormat;
import io.switchboard.voice.audio.Pcm16;
import io.switchboard.voice.call.Call;
import io.switchboard.voice.transport.ProtocolException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

import java.util.Base64;
import java.util.function.Function;

/**
 * {@code GET /v1/realtime} in pipeline mode: a client written for OpenAI's Realtime API, served by the cascade (the
 * node's VAD, then transcription, chat and speech through the router). The socket speaks GA events; the call underneath
 * is a {@link io.switchboard.voice.call.CallSession} whose events and audio this class turns into them
 * ({@link GaTranslation}). Audio is {@code audio/pcm} at 24 kHz both ways. The call starts with the first audio, so a
 * {@code session.update} sent before it sets the call's instructions. Taken: {@code session.update},
 * {@code input_audio_buffer.append} and {@code .clear}, {@code conversation.item.truncate} (acknowledged: the call
 * already keeps only what was played). Any other event gets an {@code error} naming it.
 */
public final class RealtimePipeline implements io.switchboard.voice.transport.CallTransport {

  private static final OutputFormat FORMAT = OutputFormat.pcm(RealtimeAudio.PCM_RATE);

  private final ServerWebSocket ws;
  private final Function<JsonObject, Call> opener;
  private final GaTranslation out;
  private final JsonObject session;
  private Call call;
  private boolean closed;

  /** @param opener opens the call (on the socket's context) with the session as it is then; its {@code instructions} */
  public RealtimePipeline(ServerWebSocket ws, JsonObject session, Function<JsonObject, Call> opener, Runnable onClosed) {
    this.ws = ws;
    this.opener = opener;
    this.session = session;
    this.out = new GaTranslation(this::send);
    ws.textMessageHandler(this::fromClient);
    ws.binaryMessageHandler(b -> send(GaEvents.error("invalid_request_error", "invalid_value",
      "Binary frames are not part of the Realtime API: send JSON text events.", null, null)));
    ws.exceptionHandler(e -> {
      if (ProtocolException.isOversizeMessage(e)) {
        send(GaEvents.error("invalid_request_error", "invalid_value", "The event was dropped: " + ProtocolException.OVERSIZE
          + "; send audio in smaller appends.", null, null));
      }
    });
    ws.closeHandler(v -> {
      closed = true;
      if (call != null) {
        call.end("the client went away", (short) 1000, null);
      }
      onClosed.run();
    });
    send(GaEvents.event("session.created").put("session", session.copy()));
  }

  private void fromClient(String text) {
    JsonObject e;
    try {
      e = GaEvents.parse(text);
    } catch (GaEvents.Refused r) {
      send(r.error);
      return;
    }
    Object eventId = e.getValue("event_id");
    String id = eventId instanceof String s ? s : null;
    String type = e.getString("type");
    try {
      switch (type) {
        case "session.update" -> update(e, id);
        case "input_audio_buffer.append" -> append(e, id);
        case "input_audio_buffer.clear" -> send(GaEvents.event("input_audio_buffer.cleared"));
        case "conversation.item.truncate" -> send(GaEvents.event("conversation.item.truncated").put("item_id", e.getString("item_id"))
          .put("content_index", e.getInteger("content_index", 0)).put("audio_end_ms", e.getValue("audio_end_ms")));
        default -> send(GaEvents.error("invalid_request_error", "unsupported_in_pipeline_mode", "'" + type
          + "' is not supported in pipeline mode: turns are taken by the server's voice activity detection (server_vad).", "type", id));
      }
    } catch (ClassCastException wrongType) {
      // A field of the wrong JSON type deeper in the event (a rate as text, a format as a string).
      send(GaEvents.error("invalid_request_error", "invalid_value", "A field of '" + type + "' has the wrong type.", null, id));
    }
  }

  private void update(JsonObject e, String id) {
    if (e.getValue("session") != null && !(e.getValue("session") instanceof JsonObject)) {
      send(GaEvents.error("invalid_request_error", "invalid_value", "'session' must be an object.", "session", id));
      return;
    }
    JsonObject asked = e.getJsonObject("session", new JsonObject());
    JsonObject audio = asked.getJsonObject("audio", new JsonObject());
    for (String side : new String[] {"input", "output"}) {
      JsonObject format = audio.getJsonObject(side, new JsonObject()).getJsonObject("format");
      if (format != null && !("audio/pcm".equals(format.getString("type")) && format.getInteger("rate", RealtimeAudio.PCM_RATE) == RealtimeAudio.PCM_RATE)) {
        send(GaEvents.error("invalid_request_error", "unsupported_format", "Pipeline mode speaks audio/pcm at 24000 Hz; "
          + side + " format " + format.encode() + " is not supported.", "session.audio." + side + ".format", id));
        return;
      }
    }
    if (asked.getValue("instructions") instanceof String instructions) {
      session.put("instructions", instructions);
    }
    send(GaEvents.event("session.updated").put("session", session.copy()));
  }

  private void append(JsonObject e, String id) {
    if (e.getValue("audio") != null && !(e.getValue("audio") instanceof String)) {
      send(GaEvents.error("invalid_request_error", "invalid_value", "'audio' must be a base64 string.", "audio", id));
      return;
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(e.getString("audio", ""));
    } catch (IllegalArgumentException x) {
      send(GaEvents.error("invalid_request_error", "invalid_value", "'audio' is not valid base64.", "audio", id));
      return;
    }
    if (call == null) {
      call = opener.apply(session);
      call.start();
    }
    out.appended(bytes.length / 2 * 1000L / RealtimeAudio.PCM_RATE);
    call.audio(Pcm16.decode(bytes, 0, bytes.length - bytes.length % 2));
  }

  private void send(JsonObject event) {
    if (!closed && !ws.isClosed()) {
      ws.writeTextMessage(event.encode());
    }
  }

  @Override
  public String kind() {
    return "realtime";
  }

  @Override
  public int inputRate() {
    return RealtimeAudio.PCM_RATE;
  }

  @Override
  public OutputFormat outputFormat() {
    return FORMAT;
  }

  @Override
  public boolean echoesMarks() {
    return false;
  }

  @Override
  public void event(JsonObject event) {
    out.callEvent(event);
  }

  @Override
  public void frame(Buffer frame) {
    out.audio(frame.getBytes());
  }

  @Override
  public void mark(String name) {
    // The Realtime API has no marks: what was heard is the play clock's to say.
  }

  @Override
  public void clear() {
    out.interrupted();
  }

  @Override
  public void close(short status, String reason) {
    if (!ws.isClosed()) {
      ws.close(status, reason.length() > 120 ? reason.substring(0, 120) : reason);
    }
  }
}
