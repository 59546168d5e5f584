package io.switchboard.core.cid;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that hash uploads' leaves as they arrive ({@link ConcurrentDagHasher}): this process's own, at most one
 * per core (hashing is CPU work only: more threads than cores would only take turns), named {@code switchboard-cid-N},
 * daemons, an idle one ending after a minute. Not Vert.x's worker pool, which a 960 KB upload's ~15 hashing steps
 * went through before: there each step was a context-bound promise, the pool's metrics (queue time, use: Micrometer
 * timers with metrics on, on both threads) and whichever of the pool's 20 threads was next, so a step woke a thread
 * whose caches held nothing of the upload, and every upload took turns over all 20. Here a step is a queue entry, and
 * the steps go to the same few threads.
 */
final class HashLane {

  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final ThreadPoolExecutor POOL = pool(Runtime.getRuntime().availableProcessors());

  private HashLane() {
  }

  /** Runs {@code task} on one of the lane's threads (in no particular order with other tasks). */
  static void execute(Runnable task) {
    POOL.execute(task);
  }

  /** The lane's size: one thread per core. */
  static int threads() {
    return POOL.getMaximumPoolSize();
  }

  private static ThreadPoolExecutor pool(int cores) {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(cores, cores, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "switchboard-cid-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
