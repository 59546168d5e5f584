package io.switchboard.usage.store;

import java.util.Arrays;

/**
 * The identities (request id, time) of the records the embedded store's writer stored last, as 64-bit hashes in two
 * generations of open-addressing tables, so that a batch of fresh records needs no query for "already stored?". That
 * query was the largest single cost of an insert (2.5-6 ms of CPU for batches of 400-2,000 records, more than the
 * commit), and under load nearly every record is fresh. What this set can vouch for: every identity stored with a time
 * after {@link #floor} (the latest time among the identities let go, or among the records stored before this writer
 * started) is in it. A record after the floor whose hash is not in it is certainly not stored; a hash that is in it
 * (the record, or a collision) and a record at or before the floor are asked of the table as before. Fixed size (two
 * tables of {@code 4 * perGeneration} longs, ~1 MB at the default), allocated once. Used by one thread.
 */
final class RecentIds {

  private final int perGeneration;
  private final int mask;
  private long[] current;
  private long[] previous;
  private int inCurrent;
  private long currentMaxTs = Long.MIN_VALUE;
  private long previousMaxTs = Long.MIN_VALUE;
  private long floor;

  /**
   * @param perGeneration identities a generation holds; between this many and twice this many are remembered
   * @param storedMax     the latest time stored before this writer started (Long.MIN_VALUE for an empty table)
   */
  RecentIds(int perGeneration, long storedMax) {
    this.perGeneration = perGeneration;
    int slots = Integer.highestOneBit(Math.max(16, perGeneration * 4 - 1)) << 1;
    this.mask = slots - 1;
    this.current = new long[slots];
    this.previous = new long[slots];
    this.floor = storedMax;
  }

  /** Whether a record of time {@code ts} is stored can be told here: it is stored only if {@link #mayHold} says so. */
  boolean covers(long ts) {
    return ts > floor;
  }

  /** Whether {@code hash} is among the identities remembered (true as well for a collision: then ask the table). */
  boolean mayHold(long hash) {
    return contains(current, hash) || contains(previous, hash);
  }

  /** A record stored (committed) with identity hash {@code hash} and time {@code ts}. */
  void add(long hash, long ts) {
    if (inCurrent == perGeneration) {
      // The older generation is let go: from now on, whether a record of its times is stored is asked of the table.
      floor = Math.max(floor, previousMaxTs);
      long[] t = previous;
      previous = current;
      previousMaxTs = currentMaxTs;
      Arrays.fill(t, 0L);
      current = t;
      currentMaxTs = Long.MIN_VALUE;
      inCurrent = 0;
    }
    int i = slot(hash);
    while (current[i] != 0L) {
      if (current[i] == hash) {
        currentMaxTs = Math.max(currentMaxTs, ts);
        return;
      }
      i = (i + 1) & mask;
    }
    current[i] = hash;
    inCurrent++;
    currentMaxTs = Math.max(currentMaxTs, ts);
  }

  /** The time at or before which a record's identity may have been let go (asked of the table then). */
  long floor() {
    return floor;
  }

  private boolean contains(long[] table, long hash) {
    int i = slot(hash);
    while (table[i] != 0L) {
      if (table[i] == hash) {
        return true;
      }
      i = (i + 1) & mask;
    }
    return false;
  }

  private int slot(long hash) {
    return (int) (hash ^ (hash >>> 32)) & mask;
  }

  /** A record's identity as a hash that is never 0 (the tables' empty slot). */
  static long hash(String requestId, long ts) {
    long h = 0xcbf29ce484222325L ^ (ts * 0x9E3779B97F4A7C15L);
    if (requestId != null) {
      for (int i = 0; i < requestId.length(); i++) {
        h = (h ^ requestId.charAt(i)) * 0x100000001b3L;
      }
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return h == 0L ? 1L : h;
  }
}
