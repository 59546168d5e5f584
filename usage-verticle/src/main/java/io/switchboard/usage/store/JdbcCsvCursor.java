package io.switchboard.usage.store;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.function.Function;

/**
 * An export's read over JDBC (the embedded store): the statement runs at the first page, and its result (streamed by
 * the driver) stays open between pages, each page read on {@code executor} (JDBC blocks). The connection is the
 * cursor's own and is closed with it.
 */
final class JdbcCsvCursor implements CsvCursor {

  private final Connection connection;
  private final PreparedStatement statement;
  private final WorkerExecutor executor;
  private final Function<ResultSet, UsageColumns.Row> columns;
  private int remaining;
  private ResultSet rs;
  private UsageColumns.Row row;
  private boolean closed;

  JdbcCsvCursor(Connection connection, PreparedStatement statement, int limit, WorkerExecutor executor,
                Function<ResultSet, UsageColumns.Row> columns) {
    this.connection = connection;
    this.statement = statement;
    this.remaining = limit;
    this.executor = executor;
    this.columns = columns;
  }

  @Override
  public Future<Page> next(int rows) {
    return executor.executeBlocking(() -> read(rows), false);
  }

  private synchronized Page read(int rows) throws SQLException {
    if (closed) {
      throw new IllegalStateException("the export is closed");
    }
    if (rs == null) {
      rs = statement.executeQuery();
      row = columns.apply(rs);
    }
    StringBuilder sb = new StringBuilder(Math.min(rows, 10_000) * 200);
    int n = 0;
    long lastMs = 0;
    String lastId = null;
    while (n < rows && remaining > 0 && rs.next()) {
      UsageColumns.csv(sb, row);
      lastId = rs.getString(1);
      lastMs = rs.getLong(2);
      n++;
      remaining--;
    }
    return new Page(sb.toString(), n, lastMs, lastId);
  }

  @Override
  public Future<Void> close() {
    return executor.executeBlocking(() -> {
      closeNow();
      return null;
    }, false);
  }

  private synchronized void closeNow() {
    if (closed) {
      return;
    }
    closed = true;
    try (Connection c = connection; PreparedStatement s = statement; ResultSet r = rs) {
      // closed in reverse order by the try
    } catch (SQLException e) {
      // closing: nothing left to do with it
    }
  }
}
