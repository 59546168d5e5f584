package io.switchboard.llm.jlama.decode;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The calling thread plus helper threads that share loops over ranges, for generating one token. One token is about a
 * hundred short parallel steps (a few hundred microseconds each); Jlama hands each to its fork-join pool, and on this
 * kind of virtual machine every hand-over that wakes a parked thread costs some 30 microseconds, several per step. Here
 * the helpers keep spinning between steps and only park after {@link #SPIN_NANOS} without work (so between
 * generations, not between steps). Each thread gets a contiguous share of a loop's grains and the caller waits for
 * grains, not for helpers: a thread that finishes early, or a helper that the operating system delays, has its grains
 * taken by the others instead of holding them up.
 */
final class DecodeTeam implements AutoCloseable {

  /** A body run over a sub-range {@code [start, end)} of a loop. */
  @FunctionalInterface
  interface Range {
    void run(int start, int end);
  }

  /** How long an idle helper spins before parking: longer than the gap between two tokens. */
  static final long SPIN_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  /**
   * One loop, cut into one contiguous part of grains per thread. Each thread works through its own part from the front
   * and then takes grains from the back of the others' parts. Contiguous parts matter: two threads streaming through
   * the same matrix in alternating grains ran at little more than half the speed of two threads each streaming one half
   * (measured), as each grain restarts the memory prefetchers.
   */
  private static final class Job {
    final Range body;
    final int total;
    final int grain;
    /** Per part: front grain index in the high 32 bits, end grain index (exclusive) in the low 32 bits. */
    final AtomicLongArray parts;
    final AtomicInteger left;
    volatile Throwable failure;

    Job(Range body, int total, int grain, int threads) {
      this.body = body;
      this.total = total;
      this.grain = grain;
      int grains = (total + grain - 1) / grain;
      this.parts = new AtomicLongArray(threads);
      for (int p = 0; p < threads; p++) {
        long from = (long) grains * p / threads;
        long to = (long) grains * (p + 1) / threads;
        parts.set(p, from << 32 | to);
      }
      this.left = new AtomicInteger(grains);
    }

    /** Runs grains as thread {@code self}: its own part first, front to back, then the others' from their backs. */
    void work(int self) {
      int n = parts.length();
      for (int g = take(self, true); g >= 0; g = take(self, true)) {
        run(g);
      }
      for (int i = 1; i < n; i++) {
        int other = (self + i) % n;
        for (int g = take(other, false); g >= 0; g = take(other, false)) {
          run(g);
        }
      }
    }

    /**
     * Takes one group off part {@code p}'s range: its first ({@code first}, the owner working forward) or its last
     * (a helper working backward, so the two meet without contending); -1 once the range is empty.
     */
    private int take(int p, boolean first) {
      while (true) {
        long v = parts.get(p);
        int front = (int) (v >>> 32);
        int end = (int) v;
        if (front >= end) {
          return -1;
        }
        long rest = first ? (long) (front + 1) << 32 | end : (long) front << 32 | (end - 1);
        if (parts.compareAndSet(p, v, rest)) {
          return first ? front : end - 1;
        }
      }
    }

    private void run(int g) {
      try {
        if (failure == null) {
          body.run(g * grain, Math.min(total, g * grain + grain));
        }
      } catch (Throwable t) {
        failure = t;
      } finally {
        left.decrementAndGet();
      }
    }
  }

  private final Thread[] helpers;
  private final AtomicIntegerArray parked;
  private volatile Job job;
  private volatile boolean closed;

  /** A team of {@code threads} threads in all: the caller and {@code threads - 1} helpers, named after {@code name}. */
  DecodeTeam(int threads, String name) {
    helpers = new Thread[Math.max(0, threads - 1)];
    parked = new AtomicIntegerArray(helpers.length);
    for (int i = 0; i < helpers.length; i++) {
      int id = i;
      helpers[i] = Thread.ofPlatform().daemon().name(name + "-" + (i + 1)).unstarted(() -> helperLoop(id));
      helpers[i].start();
    }
  }

  /**
   * Runs {@code body} over {@code [0, total)} in grains of {@code grain} on all threads, returning when every grain is
   * done (rethrowing the first failure). One caller at a time.
   */
  void forEach(int total, int grain, Range body) {
    if (helpers.length == 0 || total <= grain) {
      body.run(0, total);
      return;
    }
    Job j = new Job(body, total, grain, helpers.length + 1);
    job = j;
    for (int i = 0; i < helpers.length; i++) {
      if (parked.get(i) != 0) {
        LockSupport.unpark(helpers[i]);
      }
    }
    j.work(0);
    while (j.left.get() > 0) {
      Thread.onSpinWait();
    }
    Throwable t = j.failure;
    if (t instanceof RuntimeException r) {
      throw r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    if (t != null) {
      throw new IllegalStateException(t);
    }
  }

  private void helperLoop(int id) {
    Job done = null;
    while (!closed) {
      long idleSince = System.nanoTime();
      Job j;
      while ((j = job) == done && !closed) {
        if (System.nanoTime() - idleSince < SPIN_NANOS) {
          Thread.onSpinWait();
        } else {
          parked.set(id, 1);
          if (job == done && !closed) {
            LockSupport.park(this);
          }
          parked.set(id, 0);
        }
      }
      if (j != null && j != done) {
        j.work(id + 1);
        done = j;
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Thread h : helpers) {
      LockSupport.unpark(h);
    }
  }
}
