package io.switchboard.usage.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Cursor;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;

import java.util.function.Function;

/**
 * An export's read over a Vert.x SQL pool (PostgreSQL): a cursor in a read-only transaction on a connection held for
 * the export, a page of rows fetched per {@link #next} and written as CSV lines from their columns.
 */
final class SqlCsvCursor implements CsvCursor {

  private final SqlConnection connection;
  private final Transaction tx;
  private final Cursor cursor;
  private final Function<Row, UsageColumns.Row> columns;
  private boolean closed;
  /** A read was made (the cursor answers {@code hasMore} only after one). */
  private boolean read;

  SqlCsvCursor(SqlConnection connection, Transaction tx, Cursor cursor, Function<Row, UsageColumns.Row> columns) {
    this.connection = connection;
    this.tx = tx;
    this.cursor = cursor;
    this.columns = columns;
  }

  @Override
  public Future<Page> next(int rows) {
    if (closed) {
      return Future.failedFuture(new IllegalStateException("the export is closed"));
    }
    if (read && !cursor.hasMore()) {
      return Future.succeededFuture(new Page("", 0, 0, null));
    }
    read = true;
    return cursor.read(rows).map(set -> {
      StringBuilder sb = new StringBuilder(set.size() * 200);
      long lastMs = 0;
      String lastId = null;
      for (Row r : set) {
        UsageColumns.csv(sb, columns.apply(r));
        lastId = r.getString(0);
        lastMs = r.getLong(1);
      }
      return new Page(sb.toString(), set.size(), lastMs, lastId);
    });
  }

  @Override
  public Future<Void> close() {
    if (closed) {
      return Future.succeededFuture();
    }
    closed = true;
    return cursor.close().eventually(tx::rollback).eventually(connection::close).mapEmpty();
  }
}
