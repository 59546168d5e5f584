#!/usr/bin/env bash
# Gateway overhead benchmark: the same load sent straight to a mock OpenAI upstream and through Switchboard to it.
# Loopback only; every run is bounded in time and stops by itself. Results: bench/results/gateway-<date>.jsonl
#   bench/gateway.sh [SECONDS]           (default 20 s per measured run, after 5 s of warm-up each, and one warm-up
#                                        of $WARMUP seconds (default 60) through the mesh before the first: the JIT
#                                        compilers keep a core busy for the first ~40 s at these rates)
#   bench/gateway.sh [SECONDS] --usage   the usage ledger's cost at 2,000 requests/s: Switchboard without it, with
#                                        it answering at once (durable_answers: false), and answering only once each
#                                        request's record is fsynced (durable_answers: true)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
USAGE_MODE=false
ARGS=()
for a in "$@"; do
  if [ "$a" = "--usage" ]; then USAGE_MODE=true; else ARGS+=("$a"); fi
done
SECONDS_PER_RUN="${ARGS[0]:-20}"
MOCK_PORT=18090
MESH_PORT=18080
./mesh build >/dev/null
source <(sed -n '/^java_major()/,/^}/p;/^find_jdk()/,/^}/p;/^jvm_flags()/,/^}/p' mesh)
find_jdk
JAVA="$JAVA_HOME/bin/java"
CP="$(mvn -B -q -o -pl bench dependency:build-classpath -Dmdep.outputFile=/dev/stdout):bench/target/classes"
mkdir -p bench/results
OUT="bench/results/gateway-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

"$JAVA" -cp "$CP" io.switchboard.bench.gateway.MockUpstream "$MOCK_PORT" 20 1 > bench/results/mock.log 2>&1 &
pids+=($!)
mesh_pid=""
start_mesh() { # $1: operator conf file
  # shellcheck disable=SC2046
  BENCH_MOCK_KEY=bench-key SWITCHBOARD_CONFIG="$1" \
    "$JAVA" $(jvm_flags) -Djava.util.logging.config.file="$ROOT/conf/logging.properties" -jar mesh-app/target/mesh-app.jar run \
    > bench/results/switchboard.log 2>&1 &
  mesh_pid=$!
  pids+=("$mesh_pid")
  for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:$MESH_PORT/health/ready" >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -fs "http://127.0.0.1:$MESH_PORT/health/ready" >/dev/null || { echo "Switchboard did not become ready; see bench/results/switchboard.log" >&2; exit 1; }
}
stop_mesh() {
  kill "$mesh_pid" 2>/dev/null || true
  wait "$mesh_pid" 2>/dev/null || true
}

load() { "$JAVA" -cp "$CP" io.switchboard.bench.gateway.LoadGenerator --seconds "$SECONDS_PER_RUN" --warmup 5 "$@" | tee -a "$OUT"; }
DIRECT="http://127.0.0.1:$MOCK_PORT/v1/chat/completions"
MESH="http://127.0.0.1:$MESH_PORT/v1/chat/completions"

if [ "$USAGE_MODE" = true ]; then
  # The *-journal variants point the ledger at a PostgreSQL that is not there: records are journaled and never
  # shipped, which leaves the request path and the journal alone (the embedded H2 store's inserts cost far more CPU
  # than either, and on a two-core machine they compete with the requests).
  rm -rf target/bench-usage-ledger
  for variant in "off:false:false:" "on:true:false:" "durable:true:true:" "on-journal:true:false:nostore" "durable-journal:true:true:nostore"; do
    IFS=: read -r name enabled durable store <<< "$variant"
    conf="bench/results/gateway-usage-$name.yaml"
    cp bench/gateway-usage-conf.yaml "$conf"
    printf '  enabled: %s\n  durable_answers: %s\n' "$enabled" "$durable" >> "$conf"
    if [ "$store" = nostore ]; then
      rm -rf target/bench-usage-journal-only
      sed -i 's#data_dir: .*#data_dir: target/bench-usage-journal-only#' "$conf"
      printf '  store: postgresql\n  postgres_url: postgresql://bench@127.0.0.1:9/none\n' >> "$conf"
    fi
    start_mesh "$ROOT/$conf"
    echo "usage ledger: $name (usage.enabled=$enabled, usage.durable_answers=$durable)"
    # Switchboard's own CPU time per request (warm-up included): less blurred than latency on a busy machine.
    ticks_before=$(awk '{print $14 + $15}' "/proc/$mesh_pid/stat")
    load --url "$MESH" --rate 2000 --connections 32
    ticks_after=$(awk '{print $14 + $15}' "/proc/$mesh_pid/stat")
    echo "{\"usage\":\"$name\",\"switchboard_cpu_us_per_request\":$(( (ticks_after - ticks_before) * 1000000 / $(getconf CLK_TCK) / (2000 * (SECONDS_PER_RUN + 5)) ))}" | tee -a "$OUT"
    stop_mesh
  done
  load --url "$DIRECT" --rate 2000 --connections 32
  echo "results in $OUT"
  exit 0
fi

start_mesh "$ROOT/bench/gateway-conf.yaml"
"$JAVA" -cp "$CP" io.switchboard.bench.gateway.LoadGenerator --url "$MESH" --rate 2000 --connections 32 \
  --seconds "${WARMUP:-60}" --warmup 1 > /dev/null
for rate in 500 2000 5000; do
  load --url "$DIRECT" --rate "$rate" --connections 32
  load --url "$MESH" --rate "$rate" --connections 32
done
load --url "$DIRECT" --rate 0 --connections 32
load --url "$MESH" --rate 0 --connections 32
load --url "$DIRECT" --rate 500 --connections 32 --stream
load --url "$MESH" --rate 500 --connections 32 --stream
echo "results in $OUT"
