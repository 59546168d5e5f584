#!/usr/bin/env bash
# CIDs and the exact cache (issue 20), three in-process benchmarks, no network beyond loopback:
#   CidBench       CID throughput on a 25,000,000-byte upload fed in 64 KiB buffers (plain SHA-256 floor, CID, CID + DAG),
#                  and the bytes allocated per upload (what the hasher can hold);
#   CacheHitBench  ExactCache.lookup cost for a transcript, a chat stream and a speech stream: one node (local map)
#                  and two clustered nodes in one JVM (Hazelcast on loopback, ports 18560-18569);
#   CacheHttpBench a cache hit through HTTP (embeddings; a 30 s WAV transcription) against a static server answering
#                  the same bytes, on a node started as ./mesh run starts it, then with usage.durability: none and with
#                  the ledger off (ports 18580-18582).
# Results: bench/results/cid-<date>.jsonl. Run it under the machine's benchmark lock:
#   flock /tmp/bench.lock bench/cid.sh [--no-build] [CidBench options...]
#   flock /tmp/bench.lock bench/cid.sh --http-only     runs CacheHttpBench alone (or HTTP_ONLY=1);
# HTTP_ARGS="--requests N --warmup M" are its options; VARIANTS="default" runs only those variants; HTTP_JVM_FLAGS
# are added to its JVM's flags (a profiler's, e.g. -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit for perf).
# Its rows give a hit's CPU and wake-ups by thread (hit_by_task) and by group (hit_by_thread); HTTP_ARGS='--usage
# {"ship_linger_ms":1000}' merges a ledger setting into the variant's usage: slice.
source "$(dirname "${BASH_SOURCE[0]}")/audio-common.sh" "$@" # sets NO_BUILD and ARGS (the rest)
REST=()
for a in "${ARGS[@]}"; do
  if [ "$a" = "--http-only" ]; then HTTP_ONLY=1; else REST+=("$a"); fi
done
ARGS=("${REST[@]}")
OUT="bench/results/cid-$STAMP.jsonl"
echo "{\"bench\":\"cid\",\"load_average\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" | tee -a "$OUT"
if [ "${HTTP_ONLY:-}" != 1 ]; then
  # shellcheck disable=SC2046
  "$JAVA" $(jvm_flags) -Xmx512m -cp "$CP" io.switchboard.bench.cid.CidBench "${ARGS[@]}" | tee -a "$OUT"
  # shellcheck disable=SC2046
  "$JAVA" $(jvm_flags) -Xmx512m -Djava.util.logging.config.file="$ROOT/conf/logging.properties" -cp "$CP" \
    io.switchboard.bench.cid.CacheHitBench | tee -a "$OUT"
fi
for variant in ${VARIANTS:-default nodurable noledger}; do
  # shellcheck disable=SC2046
  "$JAVA" $(jvm_flags) ${HTTP_JVM_FLAGS:-} -Xmx512m -Djava.util.logging.config.file="$ROOT/conf/logging.properties" -cp "$CP" \
    io.switchboard.bench.cid.CacheHttpBench --variant "$variant" ${HTTP_ARGS:-} | tee -a "$OUT"
done
echo "results in $OUT"
