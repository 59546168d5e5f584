package io.switchboard.llm.jlama.decode;

import java.util.ArrayDeque;

/**
 * Key/value pages made ahead of need, between generations, for the next prompt to write into. A page is about a
 * megabyte (1B model) and lives on in the prefix cache, so a conversation's turn allocates several of them; made while
 * the prompt runs, they filled the node's small young generation (24 MB, see the README's "JVM memory") mid-prefill
 * every other turn, and the collection that followed, copying the cache's new pages out, stopped that turn's prefill
 * (young pauses of 28-364 ms in a JFR of the bench's conversation at load 18; the quiet runs' follow-ups alternated
 * about 60 ms slow and fast). Made here at the end of a
 * generation, after its answer was streamed, a collection they cause falls between turns. Not thread-safe: one per
 * {@link LlamaPass}.
 */
final class KvPageReserve {

  private final int layerCount;
  private final int kvLength;
  private final int size;
  private final ArrayDeque<KvPage> spare = new ArrayDeque<>();

  /** A reserve of up to {@code size} pages for a model of {@code layerCount} layers of {@code kvLength} floats a position. */
  KvPageReserve(int layerCount, int kvLength, int size) {
    this.layerCount = layerCount;
    this.kvLength = kvLength;
    this.size = size;
  }

  /** A new, never written page: a spare one, or one made now when none is left. */
  KvPage take() {
    KvPage p = spare.poll();
    return p != null ? p : new KvPage(layerCount, kvLength);
  }

  /** Makes pages until {@code size} are spare. */
  void refill() {
    while (spare.size() < size) {
      spare.push(new KvPage(layerCount, kvLength));
    }
  }
}
