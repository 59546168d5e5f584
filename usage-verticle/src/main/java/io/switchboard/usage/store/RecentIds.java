package io.switchboard.usage.store;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collection;

/**
 * What the embedded store's writer remembers of the records it stored lately, so that a batch of new records is not
 * checked against the table (that query was half the writer's CPU per batch: it reads the newest row group whatever
 * the batch). A record's identity (request id, time) is kept as a 64-bit hash in sorted {@code long[]}s, one per
 * batch, so the memory is 8 bytes a record and no object per record. {@link #mayBeStored} is exact in the direction
 * that matters: false only when the record is certainly not stored; a hash that matches, or a time older than what
 * is remembered ({@code floor}), sends the record to the table's check. Only the store's own writer inserts into its
 * table, so the identities it added since it learnt the table's newest time are all there is above that time.
 * Used from the writer's thread only.
 */
final class RecentIds {

  private record Batch(long[] sortedHashes, long maxTs) {
  }

  private final int capacity;
  private final ArrayDeque<Batch> batches = new ArrayDeque<>();
  private int size;
  /** Every stored record with a time at or after this is in {@link #batches}. */
  private long floor;

  /**
   * @param storedMaxTs the newest time in the table now (Long.MIN_VALUE when it is empty)
   * @param capacity    identities kept at most (the oldest batches are forgotten, and the floor rises past them)
   */
  RecentIds(long storedMaxTs, int capacity) {
    this.floor = storedMaxTs == Long.MIN_VALUE ? Long.MIN_VALUE : storedMaxTs + 1;
    this.capacity = capacity;
  }

  /** False when the record {@code (requestId, tsMs)} is certainly not in the table; true when the table must say. */
  boolean mayBeStored(String requestId, long tsMs) {
    if (tsMs < floor) {
      return true;
    }
    long h = hash(requestId, tsMs);
    for (Batch b : batches) {
      if (Arrays.binarySearch(b.sortedHashes(), h) >= 0) {
        return true;
      }
    }
    return false;
  }

  /** The identities of a batch now committed to the table: {@code times[i]} is the time of {@code requestIds[i]}. */
  void added(Collection<String> requestIds, long[] times) {
    if (times.length == 0) {
      return;
    }
    long[] hashes = new long[times.length];
    long maxTs = Long.MIN_VALUE;
    int i = 0;
    for (String id : requestIds) {
      hashes[i] = hash(id, times[i]);
      maxTs = Math.max(maxTs, times[i]);
      i++;
    }
    Arrays.sort(hashes);
    batches.add(new Batch(hashes, maxTs));
    size += hashes.length;
    while (size > capacity && batches.size() > 1) {
      Batch gone = batches.poll();
      size -= gone.sortedHashes().length;
      // What it held may be anywhere at or before its newest time: from now on those times ask the table.
      floor = Math.max(floor, gone.maxTs() + 1);
    }
  }

  /** Identities remembered. */
  int size() {
    return size;
  }

  /** FNV-1a over the id's chars, then the time, then a finaliser (SplitMix64's): collisions only cost a check. */
  static long hash(String requestId, long tsMs) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < requestId.length(); i++) {
      h ^= requestId.charAt(i);
      h *= 0x100000001b3L;
    }
    h ^= tsMs;
    h *= 0x100000001b3L;
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    return h ^ (h >>> 31);
  }
}
