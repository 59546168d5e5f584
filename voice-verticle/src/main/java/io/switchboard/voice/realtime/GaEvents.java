package io.switchboard.voice.realtime;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The OpenAI Realtime API's GA event names (VOICE-FACTS §2.2-2.3) and the {@code error} events this endpoint sends: the
 * client events a socket may send, and a Realtime-style error naming what was wrong with one.
 */
final class GaEvents {

  /** Every GA client event over a WebSocket ({@code output_audio_buffer.clear} is WebRTC/SIP only). */
  static final Set<String> CLIENT = Set.of("session.update", "input_audio_buffer.append", "input_audio_buffer.commit",
    "input_audio_buffer.clear", "conversation.item.create", "conversation.item.retrieve", "conversation.item.truncate",
    "conversation.item.delete", "response.create", "response.cancel");

  private static final AtomicLong IDS = new AtomicLong();

  private GaEvents() {
  }

  /** A new server event of {@code type} with its {@code event_id}. */
  static JsonObject event(String type) {
    return new JsonObject().put("type", type).put("event_id", "event_sb" + IDS.incrementAndGet());
  }

  /** An {@code error} event ({@code error{type, code, message, param, event_id}}), for the client event {@code clientEventId}. */
  static JsonObject error(String type, String code, String message, String param, String clientEventId) {
    return event("error").put("error", new JsonObject().put("type", type).put("code", code).put("message", message)
      .put("param", param).put("event_id", clientEventId));
  }

  /**
   * The client event in {@code text}, checked: JSON with a {@code type} that is a GA client event. Otherwise a
   * {@link Refused} holding the error event to send back.
   */
  static JsonObject parse(String text) {
    JsonObject e;
    try {
      e = new JsonObject(text);
    } catch (DecodeException | ClassCastException x) {
      throw new Refused(error("invalid_request_error", "invalid_json", "The event is not a JSON object.", null, null));
    }
    Object type = e.getValue("type");
    if (!(type instanceof String t) || !CLIENT.contains(t)) {
      throw new Refused(error("invalid_request_error", "invalid_value", "Unknown or unsupported event type '" + type
        + "'. Supported: " + String.join(", ", CLIENT.stream().sorted().toList()) + ".", "type",
        e.getValue("event_id") instanceof String id ? id : null));
    }
    return e;
  }

  /** A client event this endpoint does not take; carries the error event for the client. */
  static final class Refused extends RuntimeException {
    final JsonObject error;

    Refused(JsonObject error) {
      super(error.getJsonObject("error").getString("message"), null, false, false);
      this.error = error;
    }
  }
}
