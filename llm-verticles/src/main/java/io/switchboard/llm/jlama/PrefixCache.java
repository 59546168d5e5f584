package io.switchboard.llm.jlama;

import io.switchboard.llm.jlama.decode.KvPage;
import io.switchboard.llm.jlama.decode.KvSequence;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The key/value caches of recent generations, keyed by their tokens, so that a request whose prompt starts like an
 * earlier prompt-plus-answer (the next turn of a conversation, or any prompt after the same system prompt) runs only
 * the tokens after the longest cached prefix.
 * <p>
 * Entries are finished sequences, never written again. {@link #take} hands out a new sequence that shares the
 * prefix's whole pages and copies the one partial page it will go on writing (copy-on-extend), so two requests on the
 * same prefix never see each other's writes; an entry evicted while a request still reads its pages only leaves the
 * cache's books (the pages live as long as someone holds them). Memory is bounded by {@code budget} bytes of distinct
 * pages (a page shared by several entries counts once), least recently used entries leaving first; the pages of
 * generations running now are not counted. Thread-safe.
 */
final class PrefixCache {

  /** Counters and occupancy, for status and metrics. */
  record Stats(int entries, long bytes, long budget, long hits, long misses, long reusedTokens, long evictions) {

    String summary() {
      return String.format(java.util.Locale.ROOT, "prefix cache: %d %s, %.1f of %.1f MiB, %d hits, %d misses, %d prompt tokens reused, %d evicted",
        entries, entries == 1 ? "entry" : "entries", bytes / 1048576.0, budget / 1048576.0, hits, misses, reusedTokens, evictions);
    }
  }

  private record Entry(KvSequence sequence, int[] tokens, String label) {
  }

  private final long budget;
  /** Least recently used first. */
  private final List<Entry> entries = new ArrayList<>();
  private final Map<KvPage, Integer> references = new IdentityHashMap<>();
  private long bytes;
  private long hits;
  private long misses;
  private long reusedTokens;
  private long evictions;

  PrefixCache(long budget) {
    if (budget < 0) {
      throw new IllegalArgumentException("the prefix cache budget must be at least 0 bytes");
    }
    this.budget = budget;
  }

  /**
   * A sequence to run {@code prompt} on: the longest cached prefix of it (at most {@code prompt.length - 1} tokens, so
   * the last prompt token always runs and gives the next token's logits), or {@code fresh} when nothing matches.
   */
  KvSequence take(int[] prompt, Supplier<KvSequence> fresh) {
    Entry best = null;
    int bestLength = 0;
    synchronized (this) {
      for (Entry e : entries) {
        int n = Math.min(e.sequence.commonPrefix(prompt), prompt.length - 1);
        if (n > bestLength) {
          best = e;
          bestLength = n;
        }
      }
      if (best == null) {
        misses++;
        return fresh.get();
      }
      entries.remove(best);
      entries.add(best);
      hits++;
      reusedTokens += bestLength;
    }
    // The entry's pages are immutable: the copy of its partial page needs no lock.
    return KvSequence.prefixOf(best.sequence, bestLength);
  }

  /**
   * Keeps a finished generation's sequence (it is sealed: nothing may write it any more). Entries it extends are
   * dropped (it answers every prefix they did); if an entry already extends it, that one is kept instead.
   * {@code label} names the conversation in status listings.
   */
  synchronized void put(KvSequence sequence, String label) {
    sequence.seal();
    int[] tokens = sequence.tokens();
    if (tokens.length == 0 || budget == 0) {
      return;
    }
    for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
      Entry e = it.next();
      if (startsWith(e.tokens, tokens)) {
        it.remove();
        entries.add(e);
        return;
      }
      if (startsWith(tokens, e.tokens)) {
        it.remove();
        release(e);
      }
    }
    Entry added = new Entry(sequence, tokens, label);
    entries.add(added);
    for (KvPage p : sequence.pages()) {
      if (references.merge(p, 1, Integer::sum) == 1) {
        bytes += p.bytes();
      }
    }
    while (bytes > budget && !entries.isEmpty()) {
      release(entries.remove(0));
      evictions++;
    }
  }

  private void release(Entry e) {
    for (KvPage p : e.sequence.pages()) {
      Integer left = references.merge(p, -1, Integer::sum);
      if (left != null && left == 0) {
        references.remove(p);
        bytes -= p.bytes();
      }
    }
  }

  private static boolean startsWith(int[] tokens, int[] prefix) {
    return tokens.length >= prefix.length && java.util.Arrays.equals(tokens, 0, prefix.length, prefix, 0, prefix.length);
  }

  synchronized Stats stats() {
    return new Stats(entries.size(), bytes, budget, hits, misses, reusedTokens, evictions);
  }

  /** Labels of the cached conversations, most recently used first. */
  synchronized List<String> labels() {
    List<String> out = new ArrayList<>();
    for (int i = entries.size() - 1; i >= 0; i--) {
      if (entries.get(i).label != null && !out.contains(entries.get(i).label)) {
        out.add(entries.get(i).label);
      }
    }
    return out;
  }
}
