package io.switchboard.llm.jlama;

/** One way of running the model for a generation: the prompt, then one token at a time. Blocking, one generation's. */
interface Forward extends AutoCloseable {

  /** The buffer the logits go to. */
  float[] logits();

  /** Runs {@code prompt}, writes the last token's finished logits into {@code logits}, returns their argmax (-1: none). {@code between} runs between prompt chunks. */
  int prompt(int[] prompt, float[] logits, Runnable between);

  /** Runs {@code token} at {@code position}, writes the finished logits, returns their argmax. */
  int next(int token, int position, float[] logits);

  /**
   * The answer is complete; {@code unrun} are the tokens it sampled that have not run through the model (the last
   * one of an answer cut at {@code max_tokens}; none when it ended with an end-of-turn token, which the template
   * writes anyway). A forward that keeps its cache may run them and what the next turn most likely starts with.
   */
  default void answered(int[] unrun) {
  }

  /** Prompt tokens taken from the prefix cache. */
  default int cachedTokens() {
    return 0;
  }

  @Override
  void close();
}
