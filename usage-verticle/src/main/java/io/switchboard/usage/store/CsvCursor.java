package io.switchboard.usage.store;

import io.vertx.core.Future;

/**
 * An export under way: one ordered read of the store (by time, then request id), held open between pages, whose rows
 * are written as CSV lines straight from the result's columns ({@link UsageColumns#csv}), never made into records.
 * One page at a time: {@link #next} is not called again before its future completes.
 */
public interface CsvCursor {

  /**
   * The CSV lines (no header) of up to {@code rows} next records, and the last of them (time and request id) to
   * resume from elsewhere; fewer than {@code rows} when the read is done.
   */
  record Page(String csv, int rows, long lastMs, String lastId) {
  }

  Future<Page> next(int rows);

  /** Ends the read and gives back what it holds (a connection, its result); safe to call twice. */
  Future<Void> close();
}
