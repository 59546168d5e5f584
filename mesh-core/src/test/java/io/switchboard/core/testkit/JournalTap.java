package io.switchboard.core.testkit;

import io.switchboard.api.UsageRecord;
import io.switchboard.core.usage.LocalJournal;
import io.vertx.core.Vertx;

import java.util.function.Consumer;

/**
 * Shows a test the usage records a node's router hands to the node's own journal ({@link LocalJournal}, not on the
 * bus, so a bus interceptor misses them), and passes each batch on to that journal unchanged.
 */
public final class JournalTap {

  private JournalTap() {
  }

  /** Taps the journal registered on {@code vertx} (the node's usage verticle must be started). */
  public static void install(Vertx vertx, Consumer<UsageRecord> seen) {
    LocalJournal journal = LocalJournal.of(vertx);
    if (journal == null) {
      throw new IllegalStateException("no usage journal registered on this node (is the ledger on?)");
    }
    LocalJournal.register(vertx, (batch, done) -> {
      batch.records().forEach(seen);
      journal.append(batch, done);
    });
  }
}
