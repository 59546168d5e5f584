package io.switchboard.voice.call;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;

/**
 * A call's chat history as the next chat request sees it: the system prompt, then the caller's transcripts and what
 * the caller actually heard of each answer (an answer cut short by a barge-in is kept only as far as it played),
 * the oldest turns dropped beyond {@code maxTurns}.
 */
public final class Conversation {

  private final String systemPrompt;
  private final int maxMessages;
  private final ArrayDeque<JsonObject> messages = new ArrayDeque<>();

  public Conversation(String systemPrompt, int maxTurns) {
    this.systemPrompt = systemPrompt;
    this.maxMessages = Math.max(2, maxTurns * 2);
  }

  public void user(String text) {
    add("user", text);
  }

  /** What the caller heard of an answer (nothing is added when nothing was heard). */
  public void assistant(String heard) {
    if (heard != null && !heard.isBlank()) {
      add("assistant", heard.strip());
    }
  }

  /** The messages for a chat request: the system prompt and the history, oldest first. */
  public JsonArray messages() {
    JsonArray out = new JsonArray();
    if (systemPrompt != null && !systemPrompt.isBlank()) {
      out.add(message("system", systemPrompt));
    }
    messages.forEach(m -> out.add(m.copy()));
    return out;
  }

  /** The messages for a chat request answering {@code userText}, which is not (yet) in the history. */
  public JsonArray messagesWith(String userText) {
    return messages().add(message("user", userText));
  }

  private void add(String role, String text) {
    messages.add(message(role, text));
    while (messages.size() > maxMessages) {
      messages.poll();
    }
  }

  static JsonObject message(String role, String content) {
    return new JsonObject().put("role", role).put("content", content);
  }
}
