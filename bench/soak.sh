#!/usr/bin/env bash
# Long-run (soak) benchmark: mixed traffic (chat whole and streamed, embeddings, one-second transcriptions, speech)
# through the node `./mesh run` starts (its default configuration: ledger with durable answers, metrics), its OpenAI
# backends pointed at a mock on 127.0.0.1 that answers at once. Loopback only, bounded, stops by itself.
#   bench/soak.sh [--no-build] [RATE] [SECONDS] [WINDOW]      defaults: 1000 req/s, 1200 s (20 minutes), 60 s windows
# Prints one JSON line per window (requests, failures, p50/p99, the node's RSS, heap after a full GC, threads, file
# descriptors) and a summary against window 2. Results: bench/results/soak-<date>.jsonl
source "$(dirname "${BASH_SOURCE[0]}")/audio-common.sh" "$@" # sets NO_BUILD, ARGS, JAVA, CP (our modules), ROOT, pids
positional RATE=1000 SECS=1200 WINDOW=60
MESH_PORT=18980
MOCK_PORT=18990
rm -rf target/soak
OUT="bench/results/soak-$STAMP.jsonl"

"$JAVA" -cp "$CP" io.switchboard.bench.soak.SoakUpstream --port "$MOCK_PORT" > bench/results/soak-mock.log 2>&1 &
pids+=($!)
# shellcheck disable=SC2046
OPENAI_API_KEY=soak-key OPENAI_BASE_URL="http://127.0.0.1:$MOCK_PORT/v1" SWITCHBOARD_CONFIG="$ROOT/bench/soak-conf.yaml" \
  "$JAVA" $(jvm_flags) -Djava.util.logging.config.file="$ROOT/conf/logging.properties" -jar mesh-app/target/mesh-app.jar run \
  > bench/results/soak-switchboard.log 2>&1 &
mesh_pid=$!
pids+=("$mesh_pid")
await_ready "$MESH_PORT" bench/results/soak-switchboard.log "$mesh_pid"
echo "{\"uptime\":\"$(uptime)\"}" | tee -a "$OUT"
"$JAVA" -cp "$CP" io.switchboard.bench.soak.SoakRun --port "$MESH_PORT" --pid "$mesh_pid" --rate "$RATE" --seconds "$SECS" \
  --window "$WINDOW" | tee -a "$OUT"
echo "{\"uptime\":\"$(uptime)\"}" | tee -a "$OUT"
echo "results in $OUT"
