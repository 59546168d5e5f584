package io.switchboard.voice.realtime;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Base64;
import java.util.function.Consumer;

/**
 * A pipeline call's events and audio as the GA server events a Realtime client expects: {@code speech.started/stopped}
 * as {@code input_audio_buffer.speech_started/stopped} (+ {@code committed}), the transcript as
 * {@code conversation.item.input_audio_transcription.completed}, the answer as one response ({@code response.created},
 * {@code response.output_item.added}, {@code conversation.item.added}, {@code response.content_part.added} (an
 * {@code audio} part), {@code response.output_audio_transcript.delta}, {@code response.output_audio.delta}, then the
 * {@code .done} events and {@code response.done} whose {@code output} holds the assistant item, as OpenAI's server
 * sends them: clients read the answer's transcript from those; its {@code usage} is the chat's token counts when the
 * chat reported them), a barge-in as the same ends with the item
 * {@code incomplete} and the response {@code cancelled}, the call's errors as {@code error}. The call's other events
 * have no GA counterpart and are not sent.
 */
final class GaTranslation {

  private final Consumer<JsonObject> send;
  private long audioMs;
  private int items;
  private int responses;
  private String userItem;
  private String responseId;
  private String assistantItem;
  private final StringBuilder transcript = new StringBuilder();

  GaTranslation(Consumer<JsonObject> send) {
    this.send = send;
  }

  /** {@code ms} more of the caller's audio arrived (for {@code audio_start_ms}/{@code audio_end_ms}). */
  void appended(long ms) {
    audioMs += ms;
  }

  void callEvent(JsonObject e) {
    switch (e.getString("type", "")) {
      case "speech.started" -> {
        userItem = "item_sbu" + (++items);
        send.accept(GaEvents.event("input_audio_buffer.speech_started").put("audio_start_ms", audioMs).put("item_id", userItem));
      }
      case "speech.stopped" -> {
        String item = userItem != null ? userItem : "item_sbu" + (++items);
        send.accept(GaEvents.event("input_audio_buffer.speech_stopped").put("audio_end_ms", audioMs).put("item_id", item));
        if (!e.getBoolean("dropped", false)) {
          send.accept(GaEvents.event("input_audio_buffer.committed").put("item_id", item).put("previous_item_id", (Object) null));
        }
      }
      case "transcript" -> send.accept(GaEvents.event("conversation.item.input_audio_transcription.completed")
        .put("item_id", userItem != null ? userItem : "item_sbu" + items).put("content_index", 0).put("transcript", e.getString("text", "")));
      case "response.text.delta" -> {
        open();
        transcript.append(e.getString("delta", ""));
        send.accept(part("response.output_audio_transcript.delta").put("delta", e.getString("delta", "")));
      }
      case "response.audio.done" -> finish("completed", e.getJsonObject("usage"));
      case "error" -> {
        JsonObject error = e.getJsonObject("error", new JsonObject());
        send.accept(GaEvents.error("server_error", error.getString("code", "pipeline_error"), error.getString("message", "the call failed"),
          null, null));
      }
      default -> { }
    }
  }

  void audio(byte[] pcm) {
    open();
    send.accept(part("response.output_audio.delta").put("delta", Base64.getEncoder().encodeToString(pcm)));
  }

  void interrupted() {
    if (responseId != null) {
      finish("cancelled", null);
    }
  }

  private void open() {
    if (responseId != null) {
      return;
    }
    responseId = "resp_sb" + (++responses);
    assistantItem = "item_sba" + (++items);
    transcript.setLength(0);
    send.accept(GaEvents.event("response.created").put("response", response("in_progress")));
    send.accept(GaEvents.event("response.output_item.added").put("response_id", responseId).put("output_index", 0)
      .put("item", item("in_progress")));
    send.accept(GaEvents.event("conversation.item.added").put("previous_item_id", (Object) userItem).put("item", item("in_progress")));
    send.accept(part("response.content_part.added").put("part", audioPart()));
  }

  /** Closes the response; {@code usage}: the chat's token counts when it reported them (see {@link #usage}). */
  private void finish(String status, JsonObject usage) {
    if (responseId == null) {
      return;
    }
    if (status.equals("completed")) {
      send.accept(part("response.output_audio.done"));
      send.accept(part("response.output_audio_transcript.done").put("transcript", transcript.toString()));
    }
    String itemStatus = status.equals("completed") ? "completed" : "incomplete";
    send.accept(part("response.content_part.done").put("part", audioPart()));
    send.accept(GaEvents.event("response.output_item.done").put("response_id", responseId).put("output_index", 0)
      .put("item", item(itemStatus)));
    send.accept(GaEvents.event("conversation.item.done").put("previous_item_id", (Object) userItem).put("item", item(itemStatus)));
    JsonObject response = response(status).put("output", new JsonArray().add(item(itemStatus)));
    if (usage != null) {
      response.put("usage", usage(usage));
    }
    send.accept(GaEvents.event("response.done").put("response", response));
    responseId = null;
    assistantItem = null;
  }

  /** The assistant item as GA writes it: its content is one {@code output_audio} part with the transcript so far. */
  private JsonObject item(String status) {
    return new JsonObject().put("id", assistantItem).put("object", "realtime.item").put("type", "message").put("role", "assistant")
      .put("status", status).put("content", new JsonArray().add(new JsonObject().put("type", "output_audio").put("transcript", transcript.toString())));
  }

  /**
   * The chat's counts as GA's {@code response.usage}. They are text tokens: the cascade's chat reads the transcript and
   * writes text, so no audio token count is known and none is given (nor a cached count the chat did not report).
   */
  private static JsonObject usage(JsonObject chat) {
    long in = chat.getLong("input_tokens", 0L);
    long out = chat.getLong("output_tokens", 0L);
    return new JsonObject().put("total_tokens", in + out).put("input_tokens", in).put("output_tokens", out)
      .put("input_token_details", new JsonObject().put("text_tokens", in))
      .put("output_token_details", new JsonObject().put("text_tokens", out));
  }

  private JsonObject audioPart() {
    return new JsonObject().put("type", "audio").put("transcript", transcript.toString());
  }

  private JsonObject response(String status) {
    return new JsonObject().put("id", responseId).put("object", "realtime.response").put("status", status);
  }

  private JsonObject part(String type) {
    return GaEvents.event(type).put("response_id", responseId).put("item_id", assistantItem).put("output_index", 0).put("content_index", 0);
  }
}
