package io.switchboard.core.usage;

import io.switchboard.api.MeshException;
import io.switchboard.api.UsageBatch;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;

import java.util.function.Consumer;

/**
 * This node's usage journal, for the router of the same node to hand its records to directly: on the bus a batch
 * went from the router's event loop to the usage verticle's (a wake-up of another thread), which handed it to the
 * journal's writer (a second), whose reply came back to the router's (a third); handed here it goes from the router's
 * event loop to the writer and back, one wake-up fewer, and no message, reply or codec (with durability process, written
 * on the router's own thread: no wake-up at all). The usage verticle registers
 * it while it runs ({@link #register}); without one (no ledger on this node) records go on the bus as before.
 */
public interface LocalJournal {

  /**
   * Writes or queues {@code batch} for the journal; {@code done} is told once the records are in it at the ledger's
   * durability (null), or why not: on the caller's thread before this returns when they were written there (durability
   * process: a copy into the journal's mapped file), else on the journal's own thread. Never blocks.
   */
  void append(UsageBatch batch, Consumer<MeshException> done);

  /** The journal registered on {@code vertx}'s node, or null. */
  static LocalJournal of(Vertx vertx) {
    Holder h = map(vertx).get(KEY);
    return h == null ? null : h.journal();
  }

  /** Registers {@code journal} for this node's routers (one ledger a node: the last registered wins). */
  static void register(Vertx vertx, LocalJournal journal) {
    map(vertx).put(KEY, new Holder(journal));
  }

  /** Removes {@code journal} if it is the one registered. */
  static void unregister(Vertx vertx, LocalJournal journal) {
    map(vertx).removeIfPresent(KEY, new Holder(journal));
  }

  private static LocalMap<String, Holder> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap("switchboard.usage.local-journal");
  }

  String KEY = "journal";

  /** A local map holds only what it may share between threads: the journal is safe from any thread. */
  record Holder(LocalJournal journal) implements Shareable {
  }
}
