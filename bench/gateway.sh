#!/usr/bin/env bash
# Gateway overhead benchmark: the same load sent straight to a mock OpenAI upstream and through Switchboard to it.
# Loopback only; every run is bounded in time and stops by itself. Results: bench/results/gateway-<date>.jsonl
#   bench/gateway.sh [SECONDS]      (default 20 s per measured run, after 5 s of warm-up)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SECONDS_PER_RUN="${1:-20}"
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
# shellcheck disable=SC2046
BENCH_MOCK_KEY=bench-key SWITCHBOARD_CONFIG="$ROOT/bench/gateway-conf.yaml" \
  "$JAVA" $(jvm_flags) -Djava.util.logging.config.file="$ROOT/conf/logging.properties" -jar mesh-app/target/mesh-app.jar run \
  > bench/results/switchboard.log 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$MESH_PORT/health/ready" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "http://127.0.0.1:$MESH_PORT/health/ready" >/dev/null || { echo "Switchboard did not become ready; see bench/results/switchboard.log" >&2; exit 1; }

load() { "$JAVA" -cp "$CP" io.switchboard.bench.gateway.LoadGenerator --seconds "$SECONDS_PER_RUN" --warmup 5 "$@" | tee -a "$OUT"; }
DIRECT="http://127.0.0.1:$MOCK_PORT/v1/chat/completions"
MESH="http://127.0.0.1:$MESH_PORT/v1/chat/completions"
for rate in 500 2000 5000; do
  load --url "$DIRECT" --rate "$rate" --connections 32
  load --url "$MESH" --rate "$rate" --connections 32
done
load --url "$DIRECT" --rate 0 --connections 32
load --url "$MESH" --rate 0 --connections 32
load --url "$DIRECT" --rate 500 --connections 32 --stream
load --url "$MESH" --rate 500 --connections 32 --stream
echo "results in $OUT"
