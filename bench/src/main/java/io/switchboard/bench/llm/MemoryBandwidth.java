package io.switchboard.bench.llm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;

/**
 * Read bandwidth of main memory as Java sees it: {@code threads} threads each compare two equal large arrays of
 * their own with {@link Arrays#mismatch(long[], long[])}, a JIT intrinsic that reads both with the widest SIMD loads
 * the CPU has (so the reading, not the arithmetic, is the limit), best of several passes. This is the ceiling for
 * token generation, which streams every weight once per token. Plain Java on purpose: the bench module compiles
 * without the incubator Vector API. One instance keeps its arrays so a run can measure again next to the
 * generation: the machine is shared and its bandwidth moves with the neighbours' load.
 */
final class MemoryBandwidth {

  private final long[][] left;
  private final long[][] right;
  private final long bytesPerThread;

  /** {@code threads} pairs of arrays of {@code bytesPerThread} bytes in all per thread, kept for repeated measurements. */
  MemoryBandwidth(int threads, long bytesPerThread) {
    this.bytesPerThread = bytesPerThread;
    left = new long[threads][];
    right = new long[threads][];
    for (int t = 0; t < threads; t++) {
      left[t] = new long[(int) (bytesPerThread / 16)];
      right[t] = new long[(int) (bytesPerThread / 16)];
      Arrays.fill(left[t], 1L);
      Arrays.fill(right[t], 1L);
    }
  }

  /** Bytes per second: one measurement of {@code passes} passes. */
  static double measure(int threads, long bytesPerThread, int passes) throws Exception {
    return new MemoryBandwidth(threads, bytesPerThread).best(passes);
  }

  /**
   * Bytes per second, the best of {@code passes} passes over all arrays at once. Each reader times its own read, and a
   * pass lasts from the first reader's start to the last reader's end. (Timed from a coordinating thread, a pass could
   * look shorter than it was: that thread may wait for a core while the readers hold both, and start its clock late;
   * one run read 1,925 GB/s that way.) A reader that waits for a core only makes its pass slower, and the best of the
   * passes leaves that one out.
   */
  double best(int passes) throws Exception {
    int threads = left.length;
    double best = 0;
    for (int p = 0; p < passes; p++) {
      CyclicBarrier start = new CyclicBarrier(threads);
      int[] found = new int[threads];
      Arrays.fill(found, Integer.MIN_VALUE);
      long[] began = new long[threads];
      long[] ended = new long[threads];
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        Thread w = new Thread(() -> {
          try {
            start.await();
            began[id] = System.nanoTime();
            found[id] = Arrays.mismatch(left[id], right[id]);
            ended[id] = System.nanoTime();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        w.start();
        workers.add(w);
      }
      for (Thread w : workers) {
        w.join();
      }
      for (int f : found) {
        if (f == Integer.MIN_VALUE) {
          throw new IllegalStateException("a reader failed");
        }
        if (f != -1) {
          throw new IllegalStateException("the arrays differ at " + f);
        }
      }
      long ns = Arrays.stream(ended).max().orElseThrow() - Arrays.stream(began).min().orElseThrow();
      best = Math.max(best, threads * bytesPerThread / (ns / 1e9));
    }
    return best;
  }
}
