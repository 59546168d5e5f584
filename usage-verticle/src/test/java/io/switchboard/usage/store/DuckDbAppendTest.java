package io.switchboard.usage.store;

import io.switchboard.api.UsageRecord;
import io.switchboard.usage.TestRecords;
import org.duckdb.DuckDBConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The embedded store's insert asks the table whether a record is stored only when its memory of the identities it
 * stored ({@link RecentIds}) cannot rule it out: fresh records cost no query, and a replay is still stored once, in the
 * same run, once the memory has let its identities go, and after a restart.
 */
class DuckDbAppendTest {

  @TempDir
  Path dir;

  private DuckDBConnection open() throws SQLException {
    DuckDBConnection c = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("usage.duckdb"));
    c.setAutoCommit(false);
    DuckDbSchema.migrate(c);
    c.commit();
    return c;
  }

  private static long count(DuckDBConnection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM usage_records")) {
      rs.next();
      long n = rs.getLong(1);
      c.commit();
      return n;
    }
  }

  private static List<UsageRecord> inTimeOrder(int n, long seed, String prefix) {
    List<UsageRecord> records = new ArrayList<>(TestRecords.generate(n, seed, prefix));
    records.sort(Comparator.comparing(UsageRecord::time));
    return records;
  }

  @Test
  void freshRecordsAreNotLookedUpAndAReplayInTheSameRunIsStoredOnce() throws Exception {
    List<UsageRecord> records = inTimeOrder(600, 11, "fresh-");
    try (DuckDBConnection c = open(); DuckDbAppend append = new DuckDbAppend(c, 1_000)) {
      assertEquals(300, append.insert(records.subList(0, 300)));
      assertEquals(300, append.insert(records.subList(300, 600)));
      assertEquals(0, append.lookedUp(), "records this writer never stored need no query");
      assertEquals(0, append.insert(records.subList(100, 400)), "a replay of stored records stores nothing");
      assertEquals(300, append.lookedUp(), "the replayed records were asked of the table");
      assertEquals(600, count(c));
    }
  }

  @Test
  void recordsOlderThanWhatItRemembersAreLookedUp() throws Exception {
    List<UsageRecord> records = inTimeOrder(1_000, 12, "old-");
    try (DuckDBConnection c = open(); DuckDbAppend append = new DuckDbAppend(c, 100)) {
      for (int i = 0; i < 1_000; i += 100) {
        append.insert(records.subList(i, i + 100));
      }
      assertEquals(0, append.lookedUp());
      // Two generations of 100 are remembered: the first 800 are behind its floor and must be asked about.
      assertEquals(0, append.insert(records.subList(0, 500)), "records let go by the memory are still found stored");
      assertEquals(500, append.lookedUp());
      assertEquals(1_000, count(c));
    }
  }

  @Test
  void afterARestartTheRecordsStoredBeforeAreLookedUpAndNewOnesAreNot() throws Exception {
    List<UsageRecord> records = inTimeOrder(400, 13, "restart-");
    try (DuckDBConnection c = open(); DuckDbAppend append = new DuckDbAppend(c)) {
      append.insert(records.subList(0, 300));
    }
    try (DuckDBConnection c = open(); DuckDbAppend append = new DuckDbAppend(c)) {
      assertEquals(100, append.insert(records), "the 300 stored by the run before are skipped, the 100 new kept");
      assertEquals(300, append.lookedUp(), "only the records at or before the time stored before the start are asked about");
      assertEquals(400, count(c));
    }
  }

  /** Records the table shows to another connection (what is committed). */
  private static long committed(DuckDBConnection c) throws SQLException {
    try (DuckDBConnection other = (DuckDBConnection) c.duplicate()) {
      other.setAutoCommit(true);
      try (Statement s = other.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM usage_records")) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  @Test
  void stagedRecordsAreStoredAtTheCommitOnceEachEvenWhenStagedTwiceBeforeIt() throws Exception {
    List<UsageRecord> records = inTimeOrder(500, 14, "staged-");
    try (DuckDBConnection c = open(); DuckDbAppend append = new DuckDbAppend(c, 1_000)) {
      for (int i = 0; i < 400; i += 10) {
        assertEquals(10, append.stage(records.subList(i, i + 10)));
      }
      assertEquals(0, append.lookedUp(), "fresh records staged need no query");
      assertEquals(400, append.staged());
      assertEquals(0, committed(c), "nothing is stored before the commit");
      // A record staged again before the commit (a write read twice): asked of the table, which sees the staged rows.
      assertEquals(100, append.stage(records.subList(350, 500)), "the 50 staged already are skipped, the 100 new kept");
      assertEquals(50, append.lookedUp());
      append.commit();
      assertEquals(0, append.staged());
      assertEquals(500, committed(c));
      assertEquals(0, append.insert(records.subList(0, 20)), "and once committed, a replay stores nothing");
      assertEquals(500, count(c));
    }
  }

  @Test
  void anotherWriteCommitsWhatIsStagedBeforeItSoThatItsRollbackCannotTakeItAlong() throws Exception {
    List<UsageRecord> records = inTimeOrder(100, 15, "key-");
    try (DuckDBConnection c = open(); DuckDbAppend append = new DuckDbAppend(c, 1_000)) {
      append.stage(records.subList(0, 60));
      append.commitBeforeOtherWrite();
      // The other write fails and rolls back its transaction.
      c.rollback();
      assertEquals(60, committed(c), "staged records were committed before the other write");
      append.stage(records.subList(60, 100));
      append.commit();
      assertEquals(100, committed(c));
    }
  }
}
