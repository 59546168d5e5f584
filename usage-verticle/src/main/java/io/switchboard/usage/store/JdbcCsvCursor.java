package io.switchboard.usage.store;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.function.Function;

/**
 * An export's read over JDBC (the embedded store), each page read on {@code executor} (JDBC blocks). The read goes in
 * chunks (of {@value #CHUNK} records as the store opens it), each one ordered query whose result (streamed by the driver) stays open
 * across the pages it gives: DuckDB sorts a chunk within its memory limit (spilling to disk), where one sort of ten
 * million whole rows ran out of it. The next chunk starts after the last record read. The connection is the cursor's
 * own and is closed with it.
 */
final class JdbcCsvCursor implements CsvCursor {

  static final int CHUNK = 500_000;

  /** The statement (not yet run) for the records after {@code afterMs}/{@code afterId} (null: from the start). */
  @FunctionalInterface
  interface ChunkQuery {
    PreparedStatement prepare(Connection c, long afterMs, String afterId, int limit) throws SQLException;
  }

  private final Connection connection;
  private final ChunkQuery query;
  private final int chunk;
  private final WorkerExecutor executor;
  private final Function<ResultSet, UsageColumns.Row> columns;
  private int remaining;
  private PreparedStatement statement;
  private ResultSet rs;
  private UsageColumns.Row row;
  private int chunkLimit;
  private int chunkRows;
  private long lastMs;
  private String lastId;
  private boolean closed;

  JdbcCsvCursor(Connection connection, ChunkQuery query, long afterMs, String afterId, int limit, int chunk,
                WorkerExecutor executor, Function<ResultSet, UsageColumns.Row> columns) {
    this.connection = connection;
    this.query = query;
    this.chunk = chunk;
    this.lastMs = afterMs;
    this.lastId = afterId;
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
    StringBuilder sb = new StringBuilder(Math.min(rows, 10_000) * 200);
    int n = 0;
    while (n < rows && remaining > 0) {
      if (rs == null) {
        nextChunk();
      }
      if (!rs.next()) {
        boolean more = chunkRows == chunkLimit;
        endChunk();
        if (!more) {
          remaining = 0;
        }
        continue;
      }
      UsageColumns.csv(sb, row);
      lastId = rs.getString(1);
      lastMs = rs.getLong(2);
      chunkRows++;
      n++;
      remaining--;
    }
    return new Page(sb.toString(), n, lastMs, lastId);
  }

  private void nextChunk() throws SQLException {
    chunkLimit = Math.min(chunk, remaining);
    chunkRows = 0;
    statement = query.prepare(connection, lastMs, lastId, chunkLimit);
    rs = statement.executeQuery();
    row = columns.apply(rs);
  }

  private void endChunk() throws SQLException {
    try (PreparedStatement s = statement; ResultSet r = rs) {
      rs = null;
      statement = null;
    }
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
