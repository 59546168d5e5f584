package io.switchboard.llm.jlama;

import com.github.tjake.jlama.safetensors.prompt.PromptSupport;
import io.switchboard.api.ChatMessage;

import java.util.List;
import java.util.Optional;

/**
 * Renders OpenAI chat messages into the model's prompt text with the chat template from its
 * {@code tokenizer_config.json} (Jlama renders it with Jinjava). {@code developer} counts as {@code system};
 * {@code tool} and {@code function} results are given to the model as user turns, since the mesh does not run
 * tools on local models. A model without a template gets a plain {@code role: text} transcript.
 */
final class ChatPrompt {

  private ChatPrompt() {
  }

  static String render(Optional<PromptSupport> support, List<ChatMessage> messages) {
    if (support.isEmpty()) {
      return plain(messages);
    }
    PromptSupport.Builder b = support.get().builder().addGenerationPrompt(true);
    for (ChatMessage m : messages) {
      switch (m.role()) {
        case "system", "developer" -> b.addSystemMessage(m.text());
        case "assistant" -> b.addAssistantMessage(m.text());
        default -> b.addUserMessage(m.text());
      }
    }
    return b.build().getPrompt();
  }

  private static String plain(List<ChatMessage> messages) {
    StringBuilder sb = new StringBuilder();
    for (ChatMessage m : messages) {
      sb.append(m.role()).append(": ").append(m.text()).append('\n');
    }
    return sb.append("assistant:").toString();
  }
}
