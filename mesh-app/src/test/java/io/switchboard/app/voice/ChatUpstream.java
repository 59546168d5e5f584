package io.switchboard.app.voice;

import io.switchboard.core.testkit.openai.FakeOpenAiServer;
import io.switchboard.core.testkit.openai.RecordedRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** What the call tests read from the test kit's fake OpenAI server: the chat requests' bodies and the user's words. */
final class ChatUpstream {

  private ChatUpstream() {
  }

  /** The bodies of the chat requests {@code fake} received, oldest first (other routes, e.g. model lists, left out). */
  static List<JsonObject> chats(FakeOpenAiServer fake) {
    return fake.requests().stream().filter(r -> r.path().endsWith("/chat/completions")).map(RecordedRequest::body).toList();
  }

  /** The content of the last user message of chat request {@code i}. */
  static String lastUserText(FakeOpenAiServer fake, int i) {
    JsonArray messages = chats(fake).get(i).getJsonArray("messages");
    for (int k = messages.size() - 1; k >= 0; k--) {
      if ("user".equals(messages.getJsonObject(k).getString("role"))) {
        return messages.getJsonObject(k).getString("content");
      }
    }
    return null;
  }
}
