package io.switchboard.voice.realtime;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The answer's server events against the GA reference (platform.openai.com/docs/api-reference/realtime-server-events):
 * a response's audio content is announced with {@code conversation.item.added} and {@code response.content_part.added},
 * closed with {@code response.content_part.done}, {@code response.output_item.done} and {@code conversation.item.done},
 * and {@code response.done} carries the output item with its transcript, where clients such as the SDKs' examples read it.
 */
class GaTranslationTest {

  private final List<JsonObject> sent = new ArrayList<>();
  private final GaTranslation ga = new GaTranslation(sent::add);

  private void turn() {
    ga.callEvent(new JsonObject().put("type", "speech.started"));
    ga.callEvent(new JsonObject().put("type", "speech.stopped"));
    ga.callEvent(new JsonObject().put("type", "transcript").put("text", "What is the capital of France?"));
    ga.callEvent(new JsonObject().put("type", "response.text.delta").put("delta", "Paris "));
    ga.audio(new byte[960]);
    ga.callEvent(new JsonObject().put("type", "response.text.delta").put("delta", "is."));
  }

  private List<String> types() {
    return sent.stream().map(e -> e.getString("type")).toList();
  }

  @Test
  void aCompletedAnswerCarriesItsContentPartAndOutput() {
    turn();
    ga.callEvent(new JsonObject().put("type", "response.audio.done"));
    assertEquals(List.of("input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped", "input_audio_buffer.committed",
      "conversation.item.input_audio_transcription.completed", "response.created", "response.output_item.added",
      "conversation.item.added", "response.content_part.added", "response.output_audio_transcript.delta", "response.output_audio.delta",
      "response.output_audio_transcript.delta", "response.output_audio.done", "response.output_audio_transcript.done",
      "response.content_part.done", "response.output_item.done", "conversation.item.done", "response.done"), types());
    JsonObject added = sent.get(types().indexOf("response.content_part.added"));
    assertEquals("audio", added.getJsonObject("part").getString("type"));
    assertEquals(0, added.getInteger("content_index"));
    JsonObject partDone = sent.get(types().indexOf("response.content_part.done"));
    assertEquals("Paris is.", partDone.getJsonObject("part").getString("transcript"));
    JsonObject response = sent.getLast().getJsonObject("response");
    assertEquals("completed", response.getString("status"));
    JsonObject item = response.getJsonArray("output").getJsonObject(0);
    assertEquals("assistant", item.getString("role"));
    assertEquals("completed", item.getString("status"));
    JsonObject content = item.getJsonArray("content").getJsonObject(0);
    assertEquals("output_audio", content.getString("type"));
    assertEquals("Paris is.", content.getString("transcript"));
    assertEquals(item.getString("id"), sent.get(types().indexOf("response.output_item.done")).getJsonObject("item").getString("id"));
    assertEquals("item_sbu1", sent.get(types().indexOf("conversation.item.added")).getString("previous_item_id"));
  }

  @Test
  void theChatsTokenCountsAreTheResponsesUsageAsTextTokens() {
    turn();
    ga.callEvent(new JsonObject().put("type", "response.audio.done")
      .put("usage", new JsonObject().put("input_tokens", 41).put("output_tokens", 6)));
    JsonObject usage = sent.getLast().getJsonObject("response").getJsonObject("usage");
    assertEquals(new JsonObject().put("total_tokens", 47L).put("input_tokens", 41L).put("output_tokens", 6L)
      .put("input_token_details", new JsonObject().put("text_tokens", 41L))
      .put("output_token_details", new JsonObject().put("text_tokens", 6L)), usage);
  }

  @Test
  void aResponseWithoutCountsHasNoUsage() {
    turn();
    ga.callEvent(new JsonObject().put("type", "response.audio.done"));
    assertFalse(sent.getLast().getJsonObject("response").containsKey("usage"));
    turn();
    ga.interrupted();
    assertFalse(sent.getLast().getJsonObject("response").containsKey("usage"));
  }

  @Test
  void aBargeInClosesThePartAndItemAsIncomplete() {
    turn();
    ga.interrupted();
    List<String> tail = types().subList(types().indexOf("response.output_audio_transcript.delta"), types().size());
    assertEquals(List.of("response.output_audio_transcript.delta", "response.output_audio.delta", "response.output_audio_transcript.delta",
      "response.content_part.done", "response.output_item.done", "conversation.item.done", "response.done"), tail);
    JsonObject response = sent.getLast().getJsonObject("response");
    assertEquals("cancelled", response.getString("status"));
    assertEquals("incomplete", response.getJsonArray("output").getJsonObject(0).getString("status"));
  }
}
