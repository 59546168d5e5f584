package io.switchboard.bench.usage;

import io.switchboard.api.UsageRecord;
import io.switchboard.usage.UsageConfig;
import io.switchboard.usage.query.UsageCsv;
import io.switchboard.usage.store.CsvCursor;
import io.switchboard.usage.store.DuckDbUsageStore;
import io.switchboard.usage.store.GroupBy;
import io.switchboard.usage.store.LedgerStore;
import io.switchboard.usage.store.PgUsageStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The usage store at scale: inserts {@code records} records (batches of 5,000, as the shipper sends them) into one
 * engine, reporting every million the rate, the CPU per record spent by the store (the process's CPU less this
 * thread's record generation) and the memory; then times the usage queries over the whole ledger: totals per group
 * over all time, over a day and over a week, a key's spend for a month, and the CSV export (100,000 records). Each
 * query runs three times: the first is the cold one (after a restart), the best the warm one.
 * <p>
 * {@code UsageStoreBench <engine> <records> <folder> [postgres-url]}; engine: {@code duckdb} (the embedded store, as
 * shipped), {@code postgresql} (the shared store), or the candidates {@code sqlite}, {@code h2}, {@code h2-multirow}
 * ({@link JdbcLedger}). {@code records} 0 reuses the ledger already in {@code folder} (queries only).
 */
public final class UsageStoreBench {

  private static final int BATCH = Integer.getInteger("batch", 5000);
  /** Runs of each query (the first and the best are printed); {@code -Dqueries=text} runs only those whose name has it. */
  private static final int REPEATS = Integer.getInteger("repeats", 3);
  private static final long DAY = 86_400_000L;

  private interface Target {
    void insert(List<UsageRecord> batch) throws Exception;

    void close() throws Exception;
  }

  private interface Query {
    long run() throws Exception;
  }

  private UsageStoreBench() {
  }

  public static void main(String[] args) throws Exception {
    String engine = args[0];
    long n = Long.parseLong(args[1]);
    Path dir = Path.of(args[2]);
    Files.createDirectories(dir);
    System.out.printf("engine %s, %,d records into %s%n", engine, n, dir);
    Vertx vertx = Vertx.vertx();
    try {
      if (engine.equals("duckdb") || engine.equals("postgresql")) {
        LedgerStore store = engine.equals("duckdb")
          ? DuckDbUsageStore.open(vertx, dir.resolve("usage.duckdb"), null, duckDbOptions())
          : PgUsageStore.connect(vertx, args[3], 8);
        await(store.migrate());
        Target t = new Target() {
          public void insert(List<UsageRecord> batch) throws Exception {
            await(store.insert(batch));
          }

          public void close() throws Exception {
            await(store.close());
          }
        };
        ingest(t, n);
        if (store instanceof DuckDbUsageStore duck) {
          System.out.println("DuckDB memory after the ingest: " + await(duck.memory()));
        }
        queries(storeQueries(store, n));
        if (store instanceof DuckDbUsageStore duck) {
          System.out.println("DuckDB memory after the queries: " + await(duck.memory()));
        }
        t.close();
      } else {
        JdbcLedger ledger = new JdbcLedger(engine, dir.resolve("usage-" + engine).toString());
        Target t = new Target() {
          public void insert(List<UsageRecord> batch) throws Exception {
            ledger.insert(batch);
          }

          public void close() throws Exception {
            ledger.close();
          }
        };
        ingest(t, n);
        queries(jdbcQueries(ledger, n));
        t.close();
      }
    } finally {
      vertx.close().await();
    }
  }

  /**
   * The store's defaults (as {@code UsageConfig} reads an empty {@code usage:} slice), or {@code -Dduckdb.memory_mb=},
   * {@code -Dduckdb.threads=}, {@code -Dduckdb.checkpoint_mb=} and {@code -Dduckdb.settings=name=value,name=value}.
   */
  private static DuckDbUsageStore.Options duckDbOptions() {
    DuckDbUsageStore.Options d = UsageConfig.from(new JsonObject(), Map.of()).duckdb();
    Map<String, String> settings = new LinkedHashMap<>(d.settings());
    for (String kv : System.getProperty("duckdb.settings", "").split(",")) {
      if (kv.contains("=")) {
        settings.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
      }
    }
    return new DuckDbUsageStore.Options(Integer.getInteger("duckdb.memory_mb", d.memoryMb()), Integer.getInteger("duckdb.threads", d.threads()),
      d.readers(), Integer.getInteger("duckdb.checkpoint_mb", d.checkpointMb()), settings);
  }

  private static void ingest(Target t, long n) throws Exception {
    LedgerRecords gen = new LedgerRecords(Math.max(n, 1), 30);
    ThreadCpu cpu = new ThreadCpu(ThreadCpu::ledgerGroup);
    long start = System.nanoTime();
    long cpu0 = processCpu();
    long genCpu = 0;
    long lastAt = start;
    long lastN = 0;
    for (long i = 0; i < n; i += BATCH) {
      long g0 = threadCpu();
      List<UsageRecord> batch = gen.batch(i, BATCH);
      genCpu += threadCpu() - g0;
      t.insert(batch);
      long done = Math.min(n, i + BATCH);
      if (done % 1_000_000 == 0 || done == n) {
        long now = System.nanoTime();
        System.out.printf(Locale.ROOT, "%,12d records  %,8.0f records/s (last million: %,8.0f)  store CPU %5.1f us/record  rss %4d MB  heap %4d MB%n",
          done, done / ((now - start) / 1e9), (done - lastN) / ((now - lastAt) / 1e9),
          (processCpu() - cpu0 - genCpu) / 1e3 / done, rssMb(), heapMb());
        lastAt = now;
        lastN = done;
      }
    }
    if (n > 0) {
      cpu.report(n);
    }
  }

  private static List<Object[]> storeQueries(LedgerStore store, long n) {
    long start = LedgerRecords.START.toEpochMilli();
    List<Object[]> q = new ArrayList<>();
    for (GroupBy g : GroupBy.values()) {
      q.add(new Object[]{"group_by " + g.wireName() + ", all time", (Query) () -> await(store.totals(0, Long.MAX_VALUE, g)).size()});
    }
    q.add(new Object[]{"group_by key, one day", (Query) () -> await(store.totals(start + 10 * DAY, start + 11 * DAY, GroupBy.KEY)).size()});
    q.add(new Object[]{"group_by model, one week", (Query) () -> await(store.totals(start + 7 * DAY, start + 14 * DAY, GroupBy.MODEL)).size()});
    q.add(new Object[]{"spent by one key, 30 days", (Query) () -> await(store.spentMicros("k_00000000", start, start + 30 * DAY)) >= 0 ? 1 : 0});
    q.add(new Object[]{"export records, first 100,000 of all time", (Query) () -> await(store.records(0, Long.MAX_VALUE, 100_000)).size()});
    q.add(new Object[]{"export CSV in one piece, first 100,000 of all time", (Query) () -> UsageCsv.write(await(store.records(0, Long.MAX_VALUE, 100_000))).length()});
    q.add(new Object[]{"export CSV in pages of 10,000 (as GET /api/v1/usage/export), first 100,000", (Query) () -> pagedCsv(store, 0, 100_000)});
    q.add(new Object[]{"export CSV in pages of 10,000, 100,000 from day 20", (Query) () -> pagedCsv(store, start + 20 * DAY, 100_000)});
    q.add(new Object[]{"export CSV in pages of 10,000, first 1,000,000", (Query) () -> pagedCsv(store, 0, 1_000_000)});
    q.add(new Object[]{"export CSV streamed (one read, pages of 10,000), first 100,000", (Query) () -> streamedCsv(store, 0, 100_000)});
    q.add(new Object[]{"export CSV streamed, 100,000 from day 20", (Query) () -> streamedCsv(store, start + 20 * DAY, 100_000)});
    q.add(new Object[]{"export CSV streamed, first 1,000,000", (Query) () -> streamedCsv(store, 0, 1_000_000)});
    q.add(new Object[]{"export CSV streamed, all records", (Query) () -> streamedCsv(store, 0, Integer.MAX_VALUE)});
    String only = System.getProperty("queries");
    if (only != null) {
      q.removeIf(row -> !((String) row[0]).contains(only));
    }
    return q;
  }

  /** The export as the usage verticle answers it page by page (each page's CSV built, then dropped); its length. */
  private static long pagedCsv(LedgerStore store, long fromMs, int limit) throws Exception {
    long chars = 0;
    long afterMs = 0;
    String afterId = null;
    for (int left = limit; left > 0; ) {
      int size = Math.min(10_000, left);
      List<UsageRecord> page = await(store.recordsAfter(fromMs, Long.MAX_VALUE, afterMs, afterId, size));
      chars += UsageCsv.write(page, afterId == null).length();
      left -= page.size();
      if (page.size() < size) {
        break;
      }
      UsageRecord last = page.get(page.size() - 1);
      afterMs = last.time().toEpochMilli();
      afterId = last.requestId();
    }
    return chars;
  }

  /** The export as the usage verticle now answers it: one read of the store, a page of 10,000 at a time; its length. */
  private static long streamedCsv(LedgerStore store, long fromMs, int limit) throws Exception {
    CsvCursor cursor = await(store.openExport(fromMs, Long.MAX_VALUE, 0, null, limit));
    long chars = UsageCsv.HEADER.length() + 2;
    try {
      while (true) {
        CsvCursor.Page page = await(cursor.next(10_000));
        chars += page.csv().length();
        if (page.rows() < 10_000) {
          return chars;
        }
      }
    } finally {
      await(cursor.close());
    }
  }

  private static List<Object[]> jdbcQueries(JdbcLedger ledger, long n) {
    long start = LedgerRecords.START.toEpochMilli();
    String totals = "SELECT %s AS grp, COUNT(*) AS requests, SUM(input_tokens), SUM(output_tokens), SUM(audio_ms), SUM(characters), "
      + "SUM(cost_micros), SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) FROM usage_records WHERE ts_ms >= ? AND ts_ms < ? GROUP BY %s";
    List<Object[]> q = new ArrayList<>();
    for (GroupBy g : GroupBy.values()) {
      String col = switch (g) {
        case KEY -> "key_id";
        case DAY -> "usage_day";
        default -> g.wireName();
      };
      q.add(new Object[]{"group_by " + g.wireName() + ", all time", (Query) () -> ledger.query(String.format(totals, col, col), 0, Long.MAX_VALUE)});
    }
    q.add(new Object[]{"group_by key, one day", (Query) () -> ledger.query(String.format(totals, "key_id", "key_id"), start + 10 * DAY, start + 11 * DAY)});
    q.add(new Object[]{"group_by model, one week", (Query) () -> ledger.query(String.format(totals, "model", "model"), start + 7 * DAY, start + 14 * DAY)});
    q.add(new Object[]{"spent by one key, 30 days", (Query) () -> ledger.query(
      "SELECT SUM(cost_micros) FROM usage_records WHERE key_id = 'k_00000000' AND ts_ms >= ? AND ts_ms < ?", start, start + 30 * DAY)});
    String export = "SELECT " + JdbcLedger.COLUMNS + " FROM usage_records WHERE ts_ms >= ? AND ts_ms < ? ORDER BY ts_ms, request_id LIMIT 100000";
    q.add(new Object[]{"export rows, first 100,000 of all time", (Query) () -> ledger.query(export, 0, Long.MAX_VALUE)});
    q.add(new Object[]{"export rows, 100,000 from day 20", (Query) () -> ledger.query(export, start + 20 * DAY, Long.MAX_VALUE)});
    return q;
  }

  private static void queries(List<Object[]> queries) throws Exception {
    System.out.printf("%-42s %10s %10s %12s %10s %8s %13s%n", "query", "first ms", "best ms", "best CPU ms", "rows", "rss MB",
      "heap commit MB");
    for (Object[] q : queries) {
      double first = 0;
      double best = Double.MAX_VALUE;
      double bestCpu = Double.MAX_VALUE;
      long rows = 0;
      for (int i = 0; i < REPEATS; i++) {
        long t0 = System.nanoTime();
        long c0 = processCpu();
        rows = ((Query) q[1]).run();
        double ms = (System.nanoTime() - t0) / 1e6;
        first = i == 0 ? ms : first;
        best = Math.min(best, ms);
        bestCpu = Math.min(bestCpu, (processCpu() - c0) / 1e6);
      }
      // The RSS (a high-water mark, mostly) and the heap the JVM holds after the query: what is left is native memory.
      System.out.printf(Locale.ROOT, "%-42s %10.1f %10.1f %12.1f %10d %8d %13d%n", q[0], first, best, bestCpu, rows, rssMb(),
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted() >> 20);
    }
    System.out.printf("after the queries: rss %d MB, heap %d MB%n", rssMb(), heapMb());
  }

  static long processCpu() {
    return ThreadCpu.processCpu();
  }

  private static long threadCpu() {
    return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
  }

  static long rssMb() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith("VmRSS:")) {
          return Long.parseLong(l.replaceAll("\\D", "")) / 1024;
        }
      }
    } catch (Exception e) {
      return -1;
    }
    return -1;
  }

  static long heapMb() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.MINUTES);
  }
}
