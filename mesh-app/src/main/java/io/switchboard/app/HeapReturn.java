package io.switchboard.app;

import io.vertx.core.Vertx;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;

/**
 * Gives the heap that load left behind back to the system. The launcher's serial collector promotes what outlives a
 * few young collections (the ledger's records waiting for their insert, under load) into the old generation, and grows
 * that generation for it instead of collecting it: without a heap maximum nothing collects the old generation until
 * the JVM's default maximum (a quarter of RAM) is reached, so a node that served a burst kept hundreds of MB of
 * garbage committed (docs/benchmarks.md, issue 15's eighth stop). Every {@code periodMs} this looks at the heap's
 * committed size: grown by {@link #IDLE_GROWTH} (or a quarter of its size after the last full collection, if more) since
 * that collection with no collection at all in the period (the node is idle), or by {@link #BUSY_GROWTH} (or its size
 * after the last full collection, if more) whatever the load, it runs one full collection, after which the
 * launcher's {@code -XX:MaxHeapFreeRatio=30 -XX:-ShrinkHeapInSteps} give the free part back at once. The collection
 * runs on a worker thread (it stops every thread for a few tens of ms, the event loops included, as any full
 * collection does). Only for the serial collector: G1 returns memory itself ({@code G1PeriodicGCInterval}).
 */
final class HeapReturn {

  /** The environment variable: the check's period in ms, 0 turns it off. */
  static final String ENV = "SWITCHBOARD_HEAP_RETURN_MS";
  static final long IDLE_GROWTH = 32L << 20;
  static final long BUSY_GROWTH = 256L << 20;

  /** What the policy reads: the heap's committed bytes, and how many collections of any kind ran so far. */
  record Reading(long committed, long collections) {
  }

  private long baseline;
  private long lastCollections;

  HeapReturn(Reading start) {
    this.baseline = start.committed();
    this.lastCollections = start.collections();
  }

  /** Whether to collect now, given this period's reading. */
  boolean shouldCollect(Reading now) {
    boolean idle = now.collections() == lastCollections;
    lastCollections = now.collections();
    long grown = now.committed() - baseline;
    // A full collection's work grows with what is live (a local model's weights: GBs): on a large heap it waits for
    // growth in proportion, so its cost per byte given back stays the same.
    return grown >= Math.max(BUSY_GROWTH, baseline) || (idle && grown >= Math.max(IDLE_GROWTH, baseline / 4));
  }

  /** After a collection: its result is the new baseline. */
  void collected(Reading after) {
    baseline = after.committed();
    lastCollections = after.collections();
  }

  /** The check's period: {@value #ENV}, default 2,000 ms; 0 turns it off. */
  static long periodMs(Map<String, String> env) {
    return MeshNode.wholeNumber(env, ENV, 2000, 0, Long.MAX_VALUE, "a whole number of milliseconds (0: off)");
  }

  static Reading read() {
    long collections = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      collections += Math.max(0, gc.getCollectionCount());
    }
    return new Reading(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted(), collections);
  }

  /** The serial collector's old generation is "MarkSweepCompact"; only then is this needed. */
  static boolean serialCollector(List<GarbageCollectorMXBean> collectors) {
    return collectors.stream().anyMatch(gc -> gc.getName().equals("MarkSweepCompact"));
  }

  /** Starts the check every {@code period} ms ({@link #periodMs}; 0: never) on {@code vertx}, with the serial collector only. */
  static void start(Vertx vertx, long period) {
    if (period == 0 || !serialCollector(ManagementFactory.getGarbageCollectorMXBeans())) {
      return;
    }
    HeapReturn policy = new HeapReturn(read());
    boolean[] running = {false};
    vertx.setPeriodic(period, id -> {
      if (running[0] || !policy.shouldCollect(read())) {
        return;
      }
      running[0] = true;
      vertx.executeBlocking(() -> {
        System.gc();
        return read();
      }).onComplete(ar -> {
        running[0] = false;
        if (ar.succeeded()) {
          policy.collected(ar.result());
        }
      });
    });
  }
}
