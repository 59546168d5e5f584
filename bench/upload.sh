#!/usr/bin/env bash
# Memory held for a 25 MB transcription upload: an all-in-one Switchboard node with a memory probe in its JVM
# (ProbedNode, bench/audio-conf.yaml), its OpenAI transcription adapter pointed at a mock upstream that reads and
# counts the multipart upload and answers after 3 s; UploadMemory uploads a 25,000,000-byte WAV to
# POST /v1/audio/transcriptions and reports the peak live heap above the idle node (full GC every 25 ms), the bytes
# allocated, and every allocation of 256 KiB or more with where it was made, in copies of the audio.
# Loopback only; bounded. Results: bench/results/upload-<date>.jsonl
#   bench/upload.sh [--no-build] [RUNS] [BYTES]        (defaults 3 runs of 25000000 bytes)
# Extra JVM flags for the node (e.g. -Xmx160m to see whether it fits): SWITCHBOARD_JAVA_OPTS.
source "$(dirname "${BASH_SOURCE[0]}")/audio-common.sh" "$@" # sets NO_BUILD and ARGS (the rest)
positional RUNS=3 BYTES=25000000
OUT="bench/results/upload-$STAMP.jsonl"
MESH_PORT=18080
MOCK_PORT=18091
PROBE_PORT=18099

"$JAVA" -cp "$CP" io.switchboard.bench.audio.MockAudioUpstream --port "$MOCK_PORT" --hold-ms 3000 > bench/results/mock-audio.log 2>&1 &
pids+=($!)
# shellcheck disable=SC2046
BENCH_MOCK_KEY=bench-key "$JAVA" $(jvm_flags) ${SWITCHBOARD_JAVA_OPTS:-} -cp "$CP" io.switchboard.bench.audio.ProbedNode \
  --conf "$ROOT/bench/audio-conf.yaml" --probe-port "$PROBE_PORT" > bench/results/upload-switchboard.log 2>&1 &
pids+=($!)
await_ready "$MESH_PORT" bench/results/upload-switchboard.log
echo "{\"bench\":\"upload-memory\",\"load_average\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"node_java_opts\":\"${SWITCHBOARD_JAVA_OPTS:-}\"}" | tee -a "$OUT"
"$JAVA" -cp "$CP" io.switchboard.bench.audio.UploadMemory --mesh-port "$MESH_PORT" --probe-port "$PROBE_PORT" \
  --bytes "$BYTES" --runs "$RUNS" | tee -a "$OUT"
echo "results in $OUT"
