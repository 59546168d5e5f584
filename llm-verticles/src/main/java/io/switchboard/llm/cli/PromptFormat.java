package io.switchboard.llm.cli;

import io.switchboard.api.ChatMessage;
import io.switchboard.api.MeshException;

import java.util.List;
import java.util.Locale;

/**
 * How a chat becomes one prompt string for a backend that takes text, not messages (a command line tool, a custom
 * serverless worker). {@code last_user}: the last user message as it is. {@code transcript}: every message as
 * {@code Role: text}, separated by blank lines, ending with {@code Assistant:} so a completion model continues as the
 * assistant. Text parts of multimodal messages are kept, other parts dropped.
 */
public enum PromptFormat {
  LAST_USER, TRANSCRIPT;

  public static PromptFormat parse(String value) {
    if (value == null) {
      return TRANSCRIPT;
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "last_user" -> LAST_USER;
      case "transcript" -> TRANSCRIPT;
      default -> throw new IllegalArgumentException("prompt_format must be last_user or transcript, got '" + value + "'");
    };
  }

  public String render(List<ChatMessage> messages) {
    if (this == LAST_USER) {
      for (int i = messages.size() - 1; i >= 0; i--) {
        if (messages.get(i).role().equals("user")) {
          return messages.get(i).text();
        }
      }
      throw MeshException.invalid("messages", "prompt_format last_user needs a user message");
    }
    StringBuilder sb = new StringBuilder();
    for (ChatMessage m : messages) {
      sb.append(label(m.role())).append(": ").append(m.text()).append("\n\n");
    }
    return sb.append("Assistant:").toString();
  }

  private static String label(String role) {
    return switch (role) {
      case "system", "developer" -> "System";
      case "assistant" -> "Assistant";
      case "tool", "function" -> "Tool";
      default -> "User";
    };
  }
}
