package io.switchboard.llm.jlama;

import io.switchboard.api.ChatMessage;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * The tokens a chat template writes between the end of an assistant message and the words of the next user message
 * (Llama 3: {@code <|eot_id|><|start_header_id|>user<|end_header_id|>\n\n}). When an answer ends, the next turn of the
 * conversation will almost surely start with them, so {@link PassForward} runs them through the model right after the
 * answer and the prefix cache keeps their keys and values: the next turn then runs only the user's words and the
 * assistant header. If the next prompt turns out different, the cache simply matches fewer tokens.
 * <p>
 * Found by rendering three small chats that differ in one letter of the answer or of the next user message, through
 * the same template and tokenizer every prompt takes: the boundary is what lies between the first difference of the
 * answers (a one-token answer) and the first difference of the user messages. Empty when that does not hold.
 */
final class TurnBoundary {

  private TurnBoundary() {
  }

  /** The boundary's tokens for prompts made by {@code encode} (a chat's messages to its prompt tokens), or none. */
  static int[] of(Function<List<ChatMessage>, int[]> encode) {
    int[] chat = encode.apply(chat("b", "c"));
    int[] otherUser = encode.apply(chat("b", "d"));
    int[] otherAnswer = encode.apply(chat("e", "c"));
    int answer = common(chat, otherAnswer);
    int user = common(chat, otherUser);
    int from = answer + 1;
    if (user <= from || user > otherAnswer.length || !Arrays.equals(chat, from, user, otherAnswer, from, user)) {
      return new int[0];
    }
    return Arrays.copyOfRange(chat, from, user);
  }

  private static List<ChatMessage> chat(String answer, String next) {
    return List.of(ChatMessage.of("user", "a"), ChatMessage.of("assistant", answer), ChatMessage.of("user", next));
  }

  private static int common(int[] a, int[] b) {
    int n = Math.min(a.length, b.length);
    int at = Arrays.mismatch(a, 0, n, b, 0, n);
    return at < 0 ? n : at;
  }
}
