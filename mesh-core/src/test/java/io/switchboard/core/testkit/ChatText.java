package io.switchboard.core.testkit;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** The text a stream of OpenAI {@code chat.completion.chunk}s spells. */
public final class ChatText {

  private ChatText() {
  }

  /** Every {@code choices[0].delta.content} in order; chunks without one (role, finish, usage) add nothing. */
  public static String of(List<JsonObject> chunks) {
    StringBuilder sb = new StringBuilder();
    for (JsonObject c : chunks) {
      JsonArray choices = c.getJsonArray("choices");
      if (choices != null && !choices.isEmpty()
        && choices.getJsonObject(0).getJsonObject("delta", new JsonObject()).getValue("content") instanceof String s) {
        sb.append(s);
      }
    }
    return sb.toString();
  }
}
