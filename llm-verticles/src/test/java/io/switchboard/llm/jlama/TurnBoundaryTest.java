package io.switchboard.llm.jlama;

import io.switchboard.api.ChatMessage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The chat template's tokens between an answer and the next user's words, found from renderings alone. */
class TurnBoundaryTest {

  private static final int EOT = 1000;
  private static final int START = 1001;
  private static final int END = 1002;

  /** A Llama 3 style template over a byte-level vocabulary: every character a token, the header markers one each. */
  private static int[] llama3(List<ChatMessage> messages) {
    List<Integer> out = new ArrayList<>(List.of(999));
    for (ChatMessage m : messages) {
      out.add(START);
      m.role().chars().forEach(out::add);
      out.add(END);
      "\n\n".chars().forEach(out::add);
      m.text().chars().forEach(out::add);
      out.add(EOT);
    }
    out.add(START);
    "assistant".chars().forEach(out::add);
    out.add(END);
    "\n\n".chars().forEach(out::add);
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  @Test
  void llama3sEndOfTurnAndTheUserHeader() {
    assertArrayEquals(new int[] {EOT, START, 'u', 's', 'e', 'r', END, '\n', '\n'}, TurnBoundary.of(TurnBoundaryTest::llama3));
  }

  @Test
  void aPlainTranscriptsNewlineAndRole() {
    Function<List<ChatMessage>, int[]> plain = messages -> {
      StringBuilder sb = new StringBuilder();
      messages.forEach(m -> sb.append(m.role()).append(": ").append(m.text()).append('\n'));
      return sb.append("assistant:").chars().toArray();
    };
    assertArrayEquals("\nuser: ".chars().toArray(), TurnBoundary.of(plain));
  }

  @Test
  void noneWhenTheTemplateDropsAnswers() {
    Function<List<ChatMessage>, int[]> withoutAnswers = messages -> llama3(messages.stream().filter(m -> !m.role().equals("assistant")).toList());
    assertArrayEquals(new int[0], TurnBoundary.of(withoutAnswers));
  }
}
