#!/usr/bin/env bash
# The usage ledger's benchmarks (issue 15): local files only, every run bounded. Results: bench/results/ledger-<date>.txt
#   bench/ledger.sh [--no-build] [store|engines|ledger|all]   (default all)
#     store    the embedded store (DuckDB, as shipped) filled to $RECORDS records (10,000,000) in the shipper's batches,
#              then the usage queries and the CSV export over all of it (UsageStoreBench; QUERIES=nothing: the
#              ingest alone, QUERIES=<text>: the queries whose name has it); with
#              SWITCHBOARD_TEST_POSTGRES_URL set, PostgreSQL too ($PG_RECORDS, 1,000,000)
#     export   the CSV export only (the queries whose name has $QUERIES, default "export"; $REPEATS runs each, default
#              1), over the store
#              the last 'store' run left (filled first when there is none): pages of 10,000 as each a query (the
#              export before issue 15's fix) beside one read streamed, up to all $RECORDS records
#     engines  the candidates it was chosen against, $ENGINE_RECORDS records each (1,000,000): SQLite, H2 as the old
#              store used it, H2 with multi-row inserts
#     ledger   the ledger as the router uses it (UsageLedgerBench): 1,000,000 records flooded with durability process
#              and machine; 5,000 records/s for 30 s (after 15 s of warm-up) with no ledger (the baseline), process,
#              machine, and journal only (no store); FLOODS (e.g. "process") and PACED (e.g. "process duckdb", comma
#              separated) choose fewer
# LEDGER_OPTS: JVM options for every bench JVM, e.g. the store's settings against its defaults: -Dduckdb.checkpoint_mb=16
# or -Dduckdb.memory_mb=32 (UsageStoreBench), -Dusage.duckdb_checkpoint_mb=16 (UsageLedgerBench: any usage setting).
# The machine is shared: run it as `flock /tmp/bench.lock bench/ledger.sh` and read the load average it prints.
source "$(dirname "${BASH_SOURCE[0]}")/audio-common.sh" "$@" # sets NO_BUILD, ARGS, CP (our modules), ROOT, STAMP
positional WHAT=all
RECORDS="${RECORDS:-10000000}"
ENGINE_RECORDS="${ENGINE_RECORDS:-1000000}"
PG_RECORDS="${PG_RECORDS:-1000000}"
# shellcheck disable=SC2046
JAVA=("$JAVA_HOME/bin/java" $(jvm_flags) -XX:NativeMemoryTracking=summary ${LEDGER_OPTS:-} -cp "$CP")
OUT="bench/results/ledger-$STAMP.txt"
WORK="$ROOT/target/bench-ledger"
say() { echo "== $* | $(date -u +%H:%M:%SZ) load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT"; }
run() { "${JAVA[@]}" "$@" 2>&1 | grep --line-buffered -v '^WARNING\|^\s*at \|INFO ' | tee -a "$OUT"; }

if [ "$WHAT" = store ] || [ "$WHAT" = all ]; then
  rm -rf "$WORK/duckdb"
  say "store: duckdb, $RECORDS records"
  run ${QUERIES:+-Dqueries="$QUERIES"} io.switchboard.bench.usage.UsageStoreBench duckdb "$RECORDS" "$WORK/duckdb"
  if [ -n "${SWITCHBOARD_TEST_POSTGRES_URL:-}" ]; then
    say "store: postgresql, $PG_RECORDS records"
    run io.switchboard.bench.usage.UsageStoreBench postgresql "$PG_RECORDS" "$WORK/pg" "$SWITCHBOARD_TEST_POSTGRES_URL"
  fi
fi
if [ "$WHAT" = export ]; then
  if [ ! -f "$WORK/duckdb/usage.duckdb" ]; then
    say "store: duckdb, $RECORDS records (for the export)"
    run -Dqueries=nothing io.switchboard.bench.usage.UsageStoreBench duckdb "$RECORDS" "$WORK/duckdb"
  fi
  say "export: duckdb, the store in $WORK/duckdb"
  run -Dqueries="${QUERIES:-export}" -Drepeats="${REPEATS:-1}" io.switchboard.bench.usage.UsageStoreBench duckdb 0 "$WORK/duckdb"
fi
if [ "$WHAT" = engines ] || [ "$WHAT" = all ]; then
  for engine in sqlite h2 h2-multirow; do
    rm -rf "$WORK/$engine"
    say "engine: $engine, $ENGINE_RECORDS records"
    run io.switchboard.bench.usage.UsageStoreBench "$engine" "$ENGINE_RECORDS" "$WORK/$engine"
  done
fi
if [ "$WHAT" = ledger ] || [ "$WHAT" = all ]; then
  for durability in ${FLOODS:-process machine}; do
    say "ledger: flood, durability $durability"
    run io.switchboard.bench.usage.UsageLedgerBench flood 1000000 "$durability" duckdb
  done
  IFS=, read -r -a paced <<< "${PACED:-process stub,process duckdb,machine duckdb,process journal}"
  for variant in "${paced[@]}"; do
    say "ledger: 5,000 records/s, durability/store $variant"
    # shellcheck disable=SC2086
    run io.switchboard.bench.usage.UsageLedgerBench paced 5000 30 $variant
  done
fi
# The export keeps the store it read, for the next export run.
if [ "$WHAT" != export ]; then rm -rf "$WORK"; fi
echo "results in $OUT"
