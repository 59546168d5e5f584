#!/usr/bin/env bash
# Realtime mode and the mode switch (issue 17).
# 1. Voice-to-voice in realtime mode: callers replaying a flite-recorded utterance over loopback as Twilio Media Streams
#    (VoiceLoad) against the node as ./mesh run starts it (ledger and metrics on, one event loop), in realtime mode on
#    the mock Realtime server (MockRealtime: speech ends after 500 ms below -50 dBFS, first audio 200 ms later).
#    Switchboard's share = voice-to-voice - 700 ms: the relay (caller's μ-law -> bus -> upstream socket, and back).
# 2. The mode switch across a 3-node cluster (Hazelcast on loopback; the first node holds the cluster's one ledger, the
#    others use it over the bus): PUT /api/v1/voice/mode on one node, the time
#    until all three apply it (ModeSwitchBench, polling each node's switchboard_voice_mode_weight every 5 ms).
# Results: bench/results/realtime-<date>.jsonl
#   flock /tmp/bench.lock bench/realtime.sh [--no-build] [relay|switch|all]      (default all)
source "$(dirname "${BASH_SOURCE[0]}")/audio-common.sh" "$@" # sets NO_BUILD and ARGS (the rest), JAVA, CP, ROOT
positional WHAT=all
OUT="bench/results/realtime-$STAMP.jsonl"
MESH_PORT=19000
MOCK_PORT=19091
HZ_PORT=19050
ADMIN=bench-admin

start_mock() {
  "$JAVA" -cp "$CP" io.switchboard.bench.voice.MockRealtime --port "$MOCK_PORT" --silence-ms 500 --first-ms 200 \
    > bench/results/realtime-mock.log 2>&1 &
  pids+=($!)
}

node() { # node LOG CONF ENV...: a node in the background
  local log="$1" conf="$2"; shift 2
  # shellcheck disable=SC2046
  env "$@" BENCH_MOCK_KEY=bench-key SWITCHBOARD_ADMIN_TOKEN="$ADMIN" "$JAVA" $(jvm_flags) ${SWITCHBOARD_JAVA_OPTS:-} -cp "$CP" \
    io.switchboard.app.Main run --conf "$conf" ${CLUSTER_ARG:-} > "$log" 2>&1 &
  pids+=($!)
}

stop_all() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}

echo "{\"bench\":\"realtime\",\"load_average\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"commit\":\"$(git rev-parse --short HEAD)\"}" | tee -a "$OUT"
if [ "$WHAT" = all ] || [ "$WHAT" = relay ]; then
  start_mock
  rm -rf bench/results/realtime-ledger
  node bench/results/realtime-switchboard.log "$ROOT/bench/realtime-conf.yaml"
  await_ready "$MESH_PORT" bench/results/realtime-switchboard.log
  "$JAVA" -cp "$CP" io.switchboard.bench.voice.VoiceLoad --port "$MESH_PORT" --label warmup --calls 10 --turns 4 --fixed-ms 700 >/dev/null
  for calls in 1 10 50; do
    "$JAVA" -cp "$CP" io.switchboard.bench.voice.VoiceLoad --port "$MESH_PORT" --label "realtime, $calls calls" --calls "$calls" \
      --turns 8 --fixed-ms 700 | tee -a "$OUT"
  done
  stop_all
fi
if [ "$WHAT" = all ] || [ "$WHAT" = switch ]; then
  start_mock
  members="127.0.0.1:$HZ_PORT,127.0.0.1:$((HZ_PORT + 1)),127.0.0.1:$((HZ_PORT + 2))"
  CLUSTER_ARG=--cluster
  for i in 0 1 2; do
    conf="bench/results/realtime-node$i.yaml"
    rm -rf "bench/results/realtime-ledger$i"
    sed -e "s#realtime-ledger #realtime-ledger$i #" "$ROOT/bench/realtime-conf.yaml" > "$conf"
    # One ledger per cluster: the first node holds it, the others use it over the bus.
    if [ "$i" != 0 ]; then sed -i -e 's#^\(  data_dir: .*\)$#\1\n  local_ledger: false#' "$conf"; fi
    node "bench/results/realtime-node$i.log" "$conf" SWITCHBOARD_HTTP_PORT=$((MESH_PORT + 10 + i)) \
      SWITCHBOARD_CLUSTER_NAME="switchboard-rt-bench-$$" SWITCHBOARD_CLUSTER_HOST=127.0.0.1 SWITCHBOARD_CLUSTER_PORT=$((HZ_PORT + i)) \
      SWITCHBOARD_CLUSTER_MEMBERS="$members"
  done
  for i in 0 1 2; do await_ready $((MESH_PORT + 10 + i)) "bench/results/realtime-node$i.log"; done
  "$JAVA" -cp "$CP" io.switchboard.bench.voice.ModeSwitchBench --ports "$((MESH_PORT + 10)),$((MESH_PORT + 11)),$((MESH_PORT + 12))" \
    --admin-token "$ADMIN" --rounds 20 --poll-ms 5 | tee -a "$OUT"
  stop_all
fi
echo "{\"bench\":\"realtime\",\"load_average_after\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" | tee -a "$OUT"
echo "results in $OUT"
