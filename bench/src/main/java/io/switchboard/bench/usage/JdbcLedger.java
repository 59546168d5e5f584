package io.switchboard.bench.usage;

import io.switchboard.api.UsageRecord;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The candidates the embedded store was chosen against, each used the best way found for this job, over plain JDBC:
 * <ul>
 *   <li>{@code sqlite}: WAL, synchronous=NORMAL, a 64 MB page cache, one prepared statement batched per transaction,
 *   {@code INSERT OR IGNORE} on a unique (request_id, ts_ms), the time and key/time indexes the queries need;</li>
 *   <li>{@code h2}: the way the H2 store of earlier versions used it (PostgreSQL mode, primary key and the two
 *   indexes, a batched prepared insert with {@code ON CONFLICT DO NOTHING} per transaction);</li>
 *   <li>{@code h2-multirow}: H2 with multi-row {@code INSERT ... VALUES (..), (..)} statements of 100 rows and only
 *   the time index (the key check left to the primary key).</li>
 * </ul>
 */
final class JdbcLedger implements AutoCloseable {

  private static final DateTimeFormatter DAY = DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC);
  static final String COLUMNS = "request_id, ts_ms, usage_day, key_id, capability, backend, model, privacy, input_tokens, "
    + "output_tokens, audio_ms, characters, latency_ms, first_byte_ms, cost_micros, status, error_code, route";
  private static final String TABLE = "CREATE TABLE IF NOT EXISTS usage_records (request_id VARCHAR(200) NOT NULL, "
    + "ts_ms BIGINT NOT NULL, usage_day VARCHAR(10) NOT NULL, key_id VARCHAR(64), capability VARCHAR(16), "
    + "backend VARCHAR(200), model VARCHAR(200), privacy VARCHAR(16), input_tokens BIGINT NOT NULL, "
    + "output_tokens BIGINT NOT NULL, audio_ms BIGINT NOT NULL, characters BIGINT NOT NULL, latency_ms BIGINT NOT NULL, "
    + "first_byte_ms BIGINT NOT NULL, cost_micros BIGINT NOT NULL, status INTEGER NOT NULL, error_code VARCHAR(64), "
    + "route VARCHAR(4000), PRIMARY KEY (request_id, ts_ms))";

  private final String engine;
  private final Connection c;

  JdbcLedger(String engine, String path) throws SQLException {
    this.engine = engine;
    switch (engine) {
      case "sqlite" -> {
        c = DriverManager.getConnection("jdbc:sqlite:" + path);
        try (Statement s = c.createStatement()) {
          s.execute("PRAGMA journal_mode=WAL");
          s.execute("PRAGMA synchronous=NORMAL");
          s.execute("PRAGMA cache_size=-65536");
          s.execute(TABLE);
          s.execute("CREATE INDEX IF NOT EXISTS usage_records_ts ON usage_records (ts_ms)");
          s.execute("CREATE INDEX IF NOT EXISTS usage_records_key_ts ON usage_records (key_id, ts_ms)");
        }
      }
      case "h2", "h2-multirow" -> {
        c = DriverManager.getConnection("jdbc:h2:file:" + path + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE", "sa", "");
        try (Statement s = c.createStatement()) {
          s.execute(TABLE);
          s.execute("CREATE INDEX IF NOT EXISTS usage_records_ts ON usage_records (ts_ms)");
          if (engine.equals("h2")) {
            s.execute("CREATE INDEX IF NOT EXISTS usage_records_key_ts ON usage_records (key_id, ts_ms)");
          }
        }
      }
      default -> throw new IllegalArgumentException("unknown engine " + engine);
    }
    c.setAutoCommit(false);
  }

  void insert(List<UsageRecord> batch) throws SQLException {
    if (engine.equals("h2-multirow")) {
      insertMultiRow(batch);
    } else {
      String verb = engine.equals("sqlite") ? "INSERT OR IGNORE INTO" : "INSERT INTO";
      String tail = engine.equals("sqlite") ? "" : " ON CONFLICT DO NOTHING";
      try (PreparedStatement ps = c.prepareStatement(verb + " usage_records (" + COLUMNS + ") VALUES "
        + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" + tail)) {
        for (UsageRecord r : batch) {
          bind(ps, 0, r);
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    c.commit();
  }

  private void insertMultiRow(List<UsageRecord> batch) throws SQLException {
    int rows = 100;
    StringBuilder sql = new StringBuilder("INSERT INTO usage_records (" + COLUMNS + ") VALUES ");
    for (int i = 0; i < rows; i++) {
      sql.append(i == 0 ? "" : ", ").append("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    }
    sql.append(" ON CONFLICT DO NOTHING");
    try (PreparedStatement full = c.prepareStatement(sql.toString())) {
      int i = 0;
      for (; i + rows <= batch.size(); i += rows) {
        for (int j = 0; j < rows; j++) {
          bind(full, j * 18, batch.get(i + j));
        }
        full.executeUpdate();
      }
      if (i < batch.size()) {
        insert(batch.subList(i, batch.size()));
      }
    }
  }

  private static void bind(PreparedStatement ps, int at, UsageRecord r) throws SQLException {
    ps.setString(at + 1, r.requestId());
    ps.setLong(at + 2, r.time().toEpochMilli());
    ps.setString(at + 3, DAY.format(r.time()));
    ps.setString(at + 4, r.keyId());
    ps.setString(at + 5, r.capability() == null ? null : r.capability().wireName());
    ps.setString(at + 6, r.backend());
    ps.setString(at + 7, r.model());
    ps.setString(at + 8, r.privacy() == null ? null : r.privacy().wireName());
    ps.setLong(at + 9, r.inputTokens());
    ps.setLong(at + 10, r.outputTokens());
    ps.setLong(at + 11, Math.round(r.audioSeconds() * 1000));
    ps.setLong(at + 12, r.characters());
    ps.setLong(at + 13, r.latencyMs());
    ps.setLong(at + 14, r.firstByteMs());
    ps.setLong(at + 15, Math.round(r.costUsd() * 1_000_000));
    ps.setInt(at + 16, r.status());
    ps.setString(at + 17, r.errorCode());
    ps.setString(at + 18, r.route() == null ? null : r.route().toJson().encode());
  }

  /** Runs a query and reads every row; returns the rows read. */
  long query(String sql, long... params) throws SQLException {
    long n = 0;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setLong(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        int cols = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          for (int i = 1; i <= cols; i++) {
            rs.getObject(i);
          }
          n++;
        }
      }
    }
    c.commit();
    return n;
  }

  @Override
  public void close() throws SQLException {
    c.close();
  }
}
