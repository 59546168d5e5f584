package io.switchboard.usage.store;

import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Brings a ledger written by earlier versions (the H2 store, {@code <data_dir>/usage.mv.db}) into DuckDB on the first
 * start: every record and every API key, in one DuckDB transaction, so a crash part-way leaves nothing half-imported
 * and the next start begins again. The import is recorded in {@code ledger_imports} in the same transaction; the H2
 * file is then renamed {@code usage.mv.db.imported} (kept, not deleted: the operator removes it), and a start that
 * finds the file again after a crash between the two steps only renames it.
 */
final class H2LedgerImport {

  private static final Logger LOG = System.getLogger(H2LedgerImport.class.getName());
  private static final String H2_MODE = ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;ACCESS_MODE_DATA=r;LAZY_QUERY_EXECUTION=TRUE";

  private H2LedgerImport() {
  }

  /** {@code h2Base}: the H2 database path without {@code .mv.db}; null or missing means nothing to import. */
  static void importIfPresent(DuckDBConnection c, Path h2Base) throws SQLException, IOException {
    if (h2Base == null) {
      return;
    }
    Path file = h2Base.resolveSibling(h2Base.getFileName() + ".mv.db");
    if (!Files.isRegularFile(file)) {
      return;
    }
    String source = file.toAbsolutePath().toString();
    if (!imported(c, source)) {
      LOG.log(Level.INFO, "importing the usage ledger of the H2 store {0} into DuckDB (once)", file);
      long start = System.nanoTime();
      long records;
      long keys;
      try (Connection h2 = DriverManager.getConnection("jdbc:h2:file:" + h2Base.toAbsolutePath() + H2_MODE, "sa", "")) {
        records = hasTable(h2, "usage_records") ? copyRecords(h2, c) : 0;
        keys = hasTable(h2, "api_keys") ? copyKeys(h2, c) : 0;
        try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO ledger_imports (source, records, keys, imported_ms) VALUES (?, ?, ?, ?)")) {
          ps.setString(1, source);
          ps.setLong(2, records);
          ps.setLong(3, keys);
          ps.setLong(4, System.currentTimeMillis());
          ps.executeUpdate();
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
      LOG.log(Level.INFO, "imported {0} usage records and {1} API keys from {2} in {3} s", records, keys, file,
        String.format("%.1f", (System.nanoTime() - start) / 1e9));
    }
    Path aside = file.resolveSibling(file.getFileName() + ".imported");
    Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
    LOG.log(Level.INFO, "the H2 ledger is kept as {0}; delete it once you no longer need it", aside);
  }

  private static boolean imported(DuckDBConnection c, String source) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM ledger_imports WHERE source = ?")) {
      ps.setString(1, source);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static boolean hasTable(Connection h2, String table) throws SQLException {
    try (ResultSet rs = h2.getMetaData().getTables(null, null, table, null)) {
      return rs.next();
    }
  }

  private static boolean hasColumn(Connection h2, String table, String column) throws SQLException {
    try (ResultSet rs = h2.getMetaData().getColumns(null, null, table, column)) {
      return rs.next();
    }
  }

  /**
   * The columns to read: the first 18 every H2 ledger has, then those later schema steps added, in DuckDB's column order
   * ({@link DuckDbSchema}), each as NULL (saved_micros as 0) where the H2 ledger predates it.
   */
  private static String selectRecords(Connection h2) throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT request_id, ts_ms, usage_day, key_id, capability, backend, model, "
      + "privacy, input_tokens, output_tokens, audio_ms, characters, latency_ms, first_byte_ms, cost_micros, status, "
      + "error_code, route");
    for (String column : List.of("voice_mode", "voice_fallback", "call_cost_micros", "cache", "saved_micros", "artifacts")) {
      sql.append(", ").append(hasColumn(h2, "usage_records", column) ? column
        : (column.equals("saved_micros") ? "0" : "NULL") + " AS " + column);
    }
    return sql.append(" FROM usage_records ORDER BY ts_ms, request_id").toString();
  }

  /** In time order, so that DuckDB's row groups hold neighbouring times (what its time filters rely on). */
  private static long copyRecords(Connection h2, DuckDBConnection c) throws SQLException {
    long n = 0;
    String select = selectRecords(h2);
    try (Statement s = h2.createStatement()) {
      s.setFetchSize(10_000);
      try (ResultSet rs = s.executeQuery(select);
           DuckDBAppender a = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "usage_records")) {
        while (rs.next()) {
          a.beginRow()
            .append(rs.getString(1))
            .append(rs.getLong(2))
            .append(rs.getString(3))
            .append(rs.getString(4))
            .append(rs.getString(5))
            .append(rs.getString(6))
            .append(rs.getString(7))
            .append(rs.getString(8));
          for (int col = 9; col <= 15; col++) {
            a.append(rs.getLong(col));
          }
          a.append(rs.getInt(16))
            .append(rs.getString(17))
            .append(rs.getString(18))
            .append(rs.getString(19))
            .append(rs.getObject(20, Integer.class))
            .append(rs.getObject(21, Long.class))
            .append(rs.getString(22))
            .append(rs.getLong(23))
            .append(rs.getString(24))
            .endRow();
          if (++n % 1_000_000 == 0) {
            LOG.log(Level.INFO, "imported {0} usage records so far", n);
          }
        }
      }
    }
    return n;
  }

  private static long copyKeys(Connection h2, DuckDBConnection c) throws SQLException {
    long n = 0;
    try (Statement s = h2.createStatement();
         ResultSet rs = s.executeQuery("SELECT " + UsageSql.KEY_COLUMNS + " FROM api_keys");
         PreparedStatement ps = c.prepareStatement(UsageSql.INSERT_KEY + " ON CONFLICT DO NOTHING")) {
      while (rs.next()) {
        ps.setString(1, rs.getString("id"));
        ps.setString(2, rs.getString("name"));
        ps.setString(3, rs.getString("salt"));
        ps.setString(4, rs.getString("hash"));
        ps.setLong(5, rs.getLong("created_ms"));
        ps.setObject(6, rs.getObject("revoked_ms") == null ? null : rs.getLong("revoked_ms"), java.sql.Types.BIGINT);
        ps.setString(7, rs.getString("limits"));
        n += ps.executeUpdate();
      }
    }
    return n;
  }
}
