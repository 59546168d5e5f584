package io.switchboard.usage.store;

import io.switchboard.api.UsageRecord;
import io.vertx.core.Future;

import java.util.List;

/**
 * A store that takes a batch's records as they come, into an open transaction held outside the Java heap, and commits
 * them together later. The shipper hands it each journal write within milliseconds instead of holding the records in
 * the heap for the whole linger: held that long, they were most of what the young collections copied with the ledger
 * on (docs/benchmarks.md, issue 15's ninth stop). The embedded store is one; PostgreSQL takes whole batches.
 */
public interface StagingStore extends UsageStore {

  /**
   * Adds {@code records} to the open batch, skipping those stored or staged already; they are stored once
   * {@link #commitStaged} succeeds. A failure of either lets go of everything staged since the last commit (the caller
   * stages it again from its own copy, the journal).
   */
  Future<Void> stage(List<UsageRecord> records);

  /** Commits what was staged since the last commit. */
  Future<Void> commitStaged();
}
