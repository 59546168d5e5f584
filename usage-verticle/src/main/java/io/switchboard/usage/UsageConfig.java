package io.switchboard.usage;

import io.switchboard.api.UsageDurability;
import io.switchboard.core.config.ConfValues;
import io.switchboard.usage.journal.UsageShipper;
import io.switchboard.usage.store.DuckDbUsageStore;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code usage:} slice of the mesh configuration, with its defaults beside each setting. The store is DuckDB in a
 * file unless a PostgreSQL URL is given ({@code postgres_url}, else the environment's
 * {@code SWITCHBOARD_POSTGRES_URL}); {@code store: duckdb} forces the embedded store even then ({@code store: h2}, the
 * embedded store of earlier versions, is read as {@code duckdb}: its ledger is imported).
 *
 * @param h2Path     where an H2 ledger of earlier versions would be; imported into DuckDB on the first start
 * @param durability when a record is confirmed: written ({@code process}) or fsynced ({@code machine})
 * @param appendOnCaller with {@code process}: the thread that hands a record over writes it into the journal's mapped
 *                       segment itself (no hand-off to the journal's thread); false hands every record over, as before
 * @param warnings   deprecated settings met, for the verticle to log
 */
public record UsageConfig(
  String store,
  Path duckdbPath,
  Path h2Path,
  DuckDbUsageStore.Options duckdb,
  String postgresUrl,
  int postgresPoolSize,
  Path journalDir,
  long segmentBytes,
  UsageDurability durability,
  long syncIntervalMs,
  boolean appendOnCaller,
  int writeMaxBatch,
  int maxWaiting,
  UsageShipper.Options shipper,
  long keyCacheTtlMs,
  long revocationTimeoutMs,
  List<String> warnings) {

  public static UsageConfig from(JsonObject conf, Map<String, String> env) {
    List<String> warnings = new ArrayList<>();
    Path dataDir = ConfValues.path(conf.getString("data_dir", "~/.cache/switchboard/usage"));
    String store = conf.getString("store", "auto").toLowerCase(Locale.ROOT);
    if (store.equals("h2")) {
      warnings.add("usage.store: h2 is replaced by the DuckDB store (store: duckdb); an H2 ledger found in the data "
        + "folder is imported into it once");
      store = "duckdb";
    }
    if (!store.equals("auto") && !store.equals("duckdb") && !store.equals("postgresql")) {
      throw new IllegalArgumentException("usage.store must be auto, duckdb or postgresql, got '" + store + "'");
    }
    String url = conf.getString("postgres_url");
    if (url == null || url.isBlank()) {
      url = env.get("SWITCHBOARD_POSTGRES_URL");
    }
    if (url != null && url.isBlank()) {
      url = null;
    }
    if (store.equals("duckdb")) {
      url = null;
    } else if (store.equals("postgresql") && url == null) {
      throw new IllegalArgumentException("usage.store is postgresql but neither usage.postgres_url nor SWITCHBOARD_POSTGRES_URL is set");
    }
    UsageDurability durability = UsageDurability.fromConf(conf);
    if (UsageDurability.deprecatedKeyUsed(conf)) {
      warnings.add("usage.durable_answers is deprecated: it is read as usage.durability: " + durability.wireName());
    }
    String duck = conf.getString("duckdb_path");
    String h2 = conf.getString("h2_path");
    String journal = conf.getString("journal_dir");
    return new UsageConfig(
      url == null ? "duckdb" : "postgresql",
      duck == null ? dataDir.resolve("usage.duckdb") : ConfValues.path(duck),
      h2 == null ? dataDir.resolve("usage") : ConfValues.path(h2),
      new DuckDbUsageStore.Options(
        conf.getInteger("duckdb_memory_mb", 64),
        conf.getInteger("duckdb_threads", 1),
        conf.getInteger("duckdb_readers", 2),
        conf.getInteger("duckdb_checkpoint_mb", 16),
        duckDbSettings(conf.getJsonObject("duckdb_settings", new JsonObject()))),
      url,
      conf.getInteger("postgres_pool_size", 8),
      journal == null ? dataDir.resolve("journal") : ConfValues.path(journal),
      // Each segment is mapped and its pages touched ahead of use: the current one and the spare are in the node's RSS.
      conf.getLong("segment_bytes", 2L << 20),
      durability,
      // The background fsync (durability process): the window a crash of the machine can lose. Each fsync costs the
      // node CPU whatever it carries: at 5 ms (200 a second) it was the ledger's largest fixed cost (bench/gateway.sh).
      conf.getLong("sync_interval_ms", 100L),
      conf.getBoolean("append_on_caller", true),
      conf.getInteger("commit_max_batch", 4096),
      conf.getInteger("max_waiting", 100_000),
      new UsageShipper.Options(
        conf.getInteger("batch_size", 5000),
        conf.getLong("retry_min_ms", 200L),
        conf.getLong("retry_max_ms", 10_000L),
        conf.getLong("idle_check_ms", 1000L),
        conf.getLong("rotate_bytes", 1L << 20),
        conf.getLong("rotate_age_ms", 60_000L),
        // Each insert has a fixed cost (the commit's WAL fsync): fewer, larger inserts take less CPU a record. Records
        // given to PostgreSQL in whole batches wait in the heap until their insert: at 500 ms they outlived the young
        // generation's collections and were promoted (docs/benchmarks.md, issue 15's eighth stop); DuckDB's are staged
        // out of the heap every ship_stage_ms meanwhile.
        linger(conf),
        // How often the records written meanwhile are handed to the embedded store's open insert (into DuckDB's memory):
        // held in the heap for the whole linger they outlived young collections, whose pauses grew with them. 0 holds
        // them until the insert, as PostgreSQL's batches are.
        conf.getLong("ship_stage_ms", 10L),
        // DuckDB: a commit also waits for this many records, up to ship_max_linger_ms (its cost is mostly fixed: at a
        // few hundred records a second, a commit every 200 ms was most of the insert thread's CPU a record,
        // docs/benchmarks.md, issue 20's twelfth stop). At 2,500 records a second and more nothing changes.
        conf.getInteger("ship_linger_records", 500),
        maxLinger(conf),
        // DuckDB: once its insert is open, records are added when this many wait (or it is to commit) rather than every
        // ship_stage_ms: each addition wakes its thread. At 5,000 a second they still go every ~13 ms.
        conf.getInteger("ship_stage_records", 64)),
      conf.getLong("key_cache_ttl_ms", 300_000L),
      conf.getLong("revocation_timeout_ms", 5_000L),
      List.copyOf(warnings));
  }

  /** How long new records wait at least to go into the store together (0: at once). */
  static long linger(JsonObject conf) {
    return conf.getLong("ship_linger_ms", 200L);
  }

  /** The longest an embedded store's commit waits for its records: never less than the linger; 0 with it. */
  static long maxLinger(JsonObject conf) {
    long linger = linger(conf);
    return linger <= 0 ? 0 : Math.max(linger, conf.getLong("ship_max_linger_ms", 1000L));
  }

  /**
   * DuckDB settings the ledger sets unless {@code duckdb_settings} names them: measured best for its append-only table.
   * {@code max_vacuum_tasks: 0}: every checkpoint ends the table's last row group part-filled, and DuckDB's vacuum then
   * merged those row groups at the next checkpoint, reading and compressing the same rows again: with it off the insert
   * thread's CPU a record fell by a quarter (docs/benchmarks.md, issue 15's eleventh stop). The table is never deleted
   * from, so vacuum has nothing else to do; the price is row groups about half full.
   */
  static final Map<String, String> DUCKDB_DEFAULTS = Map.of("max_vacuum_tasks", "0");

  /** Further DuckDB settings as DuckDB names them, over {@link #DUCKDB_DEFAULTS}. */
  static Map<String, String> duckDbSettings(JsonObject given) {
    Map<String, String> out = new LinkedHashMap<>(DUCKDB_DEFAULTS);
    given.forEach(e -> out.put(e.getKey(), String.valueOf(e.getValue())));
    return Map.copyOf(out);
  }
}
