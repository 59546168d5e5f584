package io.switchboard.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The exact text of the objects a local backend sends, key order included: what OpenAI clients read. */
class ChatChunksTest {

  @Test
  void theFirstDeltaCarriesTheRoleAndTheLastTheFinishReason() {
    assertEquals("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":7,\"model\":\"m\",\"choices\":[{\"index\":0,"
        + "\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"finish_reason\":null}]}",
      ChatChunks.delta("c1", 7, "m", "Hi", true).encode());
    assertEquals("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":7,\"model\":\"m\",\"choices\":[{\"index\":0,"
        + "\"delta\":{\"content\":\" there\"},\"finish_reason\":null}]}",
      ChatChunks.delta("c1", 7, "m", " there", false).encode());
    assertEquals("{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":7,\"model\":\"m\",\"choices\":[{\"index\":0,"
        + "\"delta\":{},\"finish_reason\":\"stop\"}]}",
      ChatChunks.finish("c1", 7, "m", "stop").encode());
  }

  @Test
  void aWholeAnswerIsOneMessageWithItsUsage() {
    assertEquals("{\"id\":\"c2\",\"object\":\"chat.completion\",\"created\":8,\"model\":\"m\",\"choices\":[{\"index\":0,"
        + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"finish_reason\":\"length\"}],\"usage\":"
        + new Usage(3, 1).toJson().encode() + "}",
      ChatChunks.completion("c2", 8, "m", "Hello", "length", new Usage(3, 1)).encode());
  }

  @Test
  void aChunksTextIsItsFirstChoicesDeltaContent() {
    assertEquals("Hi", ChatChunks.content(ChatChunks.delta("c1", 7, "m", "Hi", true)));
    assertNull(ChatChunks.content(ChatChunks.finish("c1", 7, "m", "stop")));
    assertNull(ChatChunks.content(new JsonObject().put("choices", new JsonArray()).put("usage", new JsonObject())));
    assertNull(ChatChunks.content(new JsonObject().put("choices", "not an array")));
  }
}
