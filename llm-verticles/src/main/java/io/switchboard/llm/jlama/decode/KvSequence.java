package io.switchboard.llm.jlama.decode;

import java.util.Arrays;

/**
 * The key/value cache of one generation: the tokens at positions {@code [0, length)} and their keys and values in
 * {@link KvPage}s. Pages below {@link #sharedPages} come from a cached prefix and are only read; so is a partly filled
 * last page of that prefix until this sequence first writes, when it takes a copy ({@link #append}: the copy goes into
 * a page the pass made before the prompt, not into a new one). The others belong to this sequence. Not thread-safe:
 * one generation writes it; once handed to a {@link PrefixCache} it is not written again.
 */
public final class KvSequence {

  private final int layerCount;
  private final int kvLength;
  private KvPage[] pages;
  private int[] tokens;
  private int length;
  private int sharedPages;
  /** The index of the source's partly filled page that this sequence reads until it copies it on its first write; -1: none. */
  private int copyOnWrite = -1;
  private boolean sealed;

  /** An empty sequence for a model with {@code layerCount} layers of {@code kvLength} key (and value) floats per position. */
  public KvSequence(int layerCount, int kvLength) {
    this(layerCount, kvLength, new KvPage[4], new int[64], 0, 0);
  }

  private KvSequence(int layerCount, int kvLength, KvPage[] pages, int[] tokens, int length, int sharedPages) {
    this.layerCount = layerCount;
    this.kvLength = kvLength;
    this.pages = pages;
    this.tokens = tokens;
    this.length = length;
    this.sharedPages = sharedPages;
  }

  /**
   * A new sequence holding the first {@code n} positions of {@code source} (at most its length): its pages shared, the
   * partly filled one (which the new sequence will go on writing) copied on the first write. {@code source} is not
   * changed.
   */
  public static KvSequence prefixOf(KvSequence source, int n) {
    if (n < 0 || n > source.length) {
      throw new IllegalArgumentException("prefix of " + n + " positions of a sequence of " + source.length);
    }
    int whole = n / KvPage.POSITIONS;
    int used = (n + KvPage.POSITIONS - 1) / KvPage.POSITIONS;
    KvPage[] pages = new KvPage[Math.max(4, used + 1)];
    System.arraycopy(source.pages, 0, pages, 0, used);
    int[] tokens = Arrays.copyOf(source.tokens, Math.max(64, n + 16));
    KvSequence s = new KvSequence(source.layerCount, source.kvLength, pages, tokens, n, whole);
    s.copyOnWrite = used > whole ? whole : -1;
    return s;
  }

  /** Positions held. */
  public int length() {
    return length;
  }

  /** The token at each position held. */
  public int[] tokens() {
    return Arrays.copyOf(tokens, length);
  }

  /** Number of leading tokens this sequence shares with {@code other} (both from position 0). */
  public int commonPrefix(int[] other) {
    int n = Math.min(length, other.length);
    int at = Arrays.mismatch(tokens, 0, n, other, 0, n);
    return at < 0 ? n : at;
  }

  /** The pages holding positions {@code [0, length)}. */
  public KvPage[] pages() {
    return Arrays.copyOf(pages, (length + KvPage.POSITIONS - 1) / KvPage.POSITIONS);
  }

  /** Pages taken from a cached prefix (read-only here). */
  int sharedPages() {
    return sharedPages;
  }

  /** Marks the sequence as handed over (to a cache): it refuses to grow from now on. */
  public void seal() {
    sealed = true;
  }

  /** Bytes of the pages this sequence holds, shared ones included. */
  public long bytes() {
    long b = 0;
    for (KvPage p : pages()) {
      b += p.bytes();
    }
    return b;
  }

  KvPage page(int index) {
    return pages[index];
  }

  /**
   * Makes room for {@code count} more positions holding {@code newTokens[from, from + count)}, with new pages from
   * {@code reserve}; returns the first new position.
   */
  int append(int[] newTokens, int from, int count, KvPageReserve reserve) {
    if (sealed) {
      throw new IllegalStateException("this key/value sequence was handed to the prefix cache and is read-only");
    }
    if (copyOnWrite >= 0) {
      KvPage own = reserve.take();
      pages[copyOnWrite].copyInto(own);
      pages[copyOnWrite] = own;
      copyOnWrite = -1;
    }
    int start = length;
    int end = start + count;
    int needed = (end + KvPage.POSITIONS - 1) / KvPage.POSITIONS;
    if (needed > pages.length) {
      pages = Arrays.copyOf(pages, Math.max(needed, 2 * pages.length));
    }
    for (int p = 0; p < needed; p++) {
      if (pages[p] == null) {
        pages[p] = reserve.take();
      }
    }
    if (end > tokens.length) {
      tokens = Arrays.copyOf(tokens, Math.max(end, 2 * tokens.length));
    }
    System.arraycopy(newTokens, from, tokens, start, count);
    length = end;
    return start;
  }

  int layerCount() {
    return layerCount;
  }

  int kvLength() {
    return kvLength;
  }
}
