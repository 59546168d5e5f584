package io.switchboard.app.voice;

import io.vertx.core.json.JsonObject;

import java.util.Base64;
import java.util.List;
import java.util.Map;

import static java.util.Map.entry;

/**
 * What a client written for OpenAI's Realtime API (GA) accepts from the server: the GA server event names
 * (VOICE-FACTS §2.3; the beta names like {@code response.audio.delta} are not among them) and the fields each one
 * carries. {@link #check} fails naming the event and what is wrong.
 */
final class GaServerEvents {

  private static final List<String> PART = List.of("response_id", "item_id", "output_index", "content_index");

  /** GA server event type → its required fields (besides {@code type} and {@code event_id}). */
  static final Map<String, List<String>> FIELDS = Map.ofEntries(
    entry("error", List.of("error")),
    entry("session.created", List.of("session")),
    entry("session.updated", List.of("session")),
    entry("input_audio_buffer.speech_started", List.of("audio_start_ms", "item_id")),
    entry("input_audio_buffer.speech_stopped", List.of("audio_end_ms", "item_id")),
    entry("input_audio_buffer.committed", List.of("item_id")),
    entry("input_audio_buffer.cleared", List.of()),
    entry("input_audio_buffer.timeout_triggered", List.of("item_id")),
    entry("conversation.item.added", List.of("item")),
    entry("conversation.item.done", List.of("item")),
    entry("conversation.item.created", List.of("item")),
    entry("conversation.item.truncated", List.of("item_id", "content_index", "audio_end_ms")),
    entry("conversation.item.deleted", List.of("item_id")),
    entry("conversation.item.input_audio_transcription.completed", List.of("item_id", "content_index", "transcript")),
    entry("conversation.item.input_audio_transcription.delta", List.of("item_id", "delta")),
    entry("conversation.item.input_audio_transcription.failed", List.of("item_id", "error")),
    entry("response.created", List.of("response")),
    entry("response.done", List.of("response")),
    entry("response.output_item.added", List.of("response_id", "output_index", "item")),
    entry("response.output_item.done", List.of("response_id", "output_index", "item")),
    entry("response.content_part.added", List.of("response_id", "item_id", "output_index", "content_index", "part")),
    entry("response.content_part.done", List.of("response_id", "item_id", "output_index", "content_index", "part")),
    entry("response.output_audio.delta", List.of("response_id", "item_id", "output_index", "content_index", "delta")),
    entry("response.output_audio.done", PART),
    entry("response.output_audio_transcript.delta", List.of("response_id", "item_id", "output_index", "content_index", "delta")),
    entry("response.output_audio_transcript.done", List.of("response_id", "item_id", "output_index", "content_index", "transcript")),
    entry("response.output_text.delta", List.of("response_id", "item_id", "output_index", "content_index", "delta")),
    entry("response.output_text.done", List.of("response_id", "item_id", "output_index", "content_index", "text")),
    entry("rate_limits.updated", List.of("rate_limits")));

  private GaServerEvents() {
  }

  /** Parses {@code text} as a GA server event; an AssertionError names what is not. */
  static JsonObject check(String text) {
    JsonObject e;
    try {
      e = new JsonObject(text);
    } catch (RuntimeException x) {
      throw new AssertionError("not a JSON object: " + text);
    }
    String type = e.getString("type");
    List<String> fields = FIELDS.get(type);
    if (fields == null) {
      throw new AssertionError("not a GA server event type: '" + type + "' in " + brief(e));
    }
    if (!(e.getValue("event_id") instanceof String id) || id.isBlank()) {
      throw new AssertionError("no event_id in " + brief(e));
    }
    for (String f : fields) {
      if (e.getValue(f) == null) {
        throw new AssertionError(type + " lacks '" + f + "': " + brief(e));
      }
    }
    switch (type) {
      case "error" -> {
        JsonObject err = e.getJsonObject("error");
        if (err.getString("type") == null || err.getString("message") == null) {
          throw new AssertionError("error without type or message: " + brief(e));
        }
      }
      case "response.created", "response.done" -> {
        JsonObject r = e.getJsonObject("response");
        if (r.getString("id") == null || r.getString("status") == null) {
          throw new AssertionError(type + " without response.id or status: " + brief(e));
        }
      }
      case "response.output_audio.delta" -> Base64.getDecoder().decode(e.getString("delta"));
      case "session.created", "session.updated" -> {
        if (!"realtime".equals(e.getJsonObject("session").getString("type"))) {
          throw new AssertionError(type + " session.type is not 'realtime' (GA): " + brief(e));
        }
      }
      default -> { }
    }
    return e;
  }

  private static String brief(JsonObject e) {
    String s = e.encode();
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }
}
