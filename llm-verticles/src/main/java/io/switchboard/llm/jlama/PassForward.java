package io.switchboard.llm.jlama;

import com.github.tjake.jlama.safetensors.Config;
import io.switchboard.llm.jlama.decode.KvSequence;
import io.switchboard.llm.jlama.decode.LlamaPass;

/**
 * {@link LlamaPass} on a key/value sequence from the {@link PrefixCache} (or a new one without a cache), which keeps
 * the sequence afterwards. A complete answer's sequence also gets the answer's last token and the template's
 * {@link TurnBoundary} before it is cached, so the conversation's next turn runs only what is new in it.
 */
final class PassForward implements Forward {
  private final LlamaPass pass;
  private final PrefixCache prefixes;
  private final Config config;
  private final float[] logits;
  private final int[] boundary;
  private final String conversation;
  private final int[] one = new int[1];
  private KvSequence kv;
  private int cached;
  /** False while a forward is under way: a sequence left half-written must not be cached. */
  private boolean consistent = true;

  /** {@code prefixes} may be null (no reuse); {@code logits} is the pass's buffer; {@code conversation} labels the cache entry (may be null). */
  PassForward(LlamaPass pass, PrefixCache prefixes, Config config, float[] logits, int[] boundary, String conversation) {
    this.pass = pass;
    this.prefixes = prefixes;
    this.config = config;
    this.logits = logits;
    this.boundary = boundary;
    this.conversation = conversation;
  }

  @Override
  public float[] logits() {
    return logits;
  }

  @Override
  public int prompt(int[] prompt, float[] logits, Runnable between) {
    kv = prefixes != null ? prefixes.take(prompt, pass::newSequence) : pass.newSequence();
    cached = kv.length();
    for (int at = cached; at < prompt.length; at += LlamaPass.CHUNK) {
      if (at > cached) {
        between.run();
      }
      consistent = false;
      pass.forward(prompt, at, Math.min(prompt.length, at + LlamaPass.CHUNK), kv, logits);
      consistent = true;
    }
    return OutputHead.finish(config, logits);
  }

  @Override
  public int next(int token, int position, float[] logits) {
    one[0] = token;
    consistent = false;
    pass.forward(one, 0, 1, kv, logits);
    consistent = true;
    return OutputHead.finish(config, logits);
  }

  /**
   * Runs {@code unrun} and the turn boundary, in one block, without the output layer: the follow-up's prompt repeats
   * them after this answer, and running them now (while the answer's last words are spoken, in a call) takes them off
   * the follow-up's time to first token. Their keys and values are those a prompt holding them would compute (every
   * position depends only on the tokens before it), so a follow-up that does not start with them loses nothing.
   */
  @Override
  public void answered(int[] unrun) {
    int n = unrun.length + boundary.length;
    if (prefixes == null || kv == null || boundary.length == 0 || kv.length() + n > config.contextLength) {
      return;
    }
    int[] block = new int[n];
    System.arraycopy(unrun, 0, block, 0, unrun.length);
    System.arraycopy(boundary, 0, block, unrun.length, boundary.length);
    consistent = false;
    pass.forward(block, 0, n, kv, null);
    consistent = true;
  }

  @Override
  public int cachedTokens() {
    return cached;
  }

  @Override
  public void close() {
    // A cancelled or timed-out generation leaves a valid sequence too (the checks run between forwards): the next
    // turn of a conversation whose answer was cut short still starts from it.
    if (prefixes != null && kv != null && consistent) {
      prefixes.put(kv, conversation);
    }
    pass.reservePages();
  }
}
