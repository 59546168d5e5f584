#!/usr/bin/env bash
# Voice calls (issue 16): callers replaying a flite-recorded utterance over loopback as Twilio Media Streams
# (VoiceLoad), against the node as ./mesh run starts it (ledger and metrics on, one event loop) with the stages on a
# mock cloud upstream (MockVoiceUpstream: transcript after 100 ms, first chat token after 150 ms, first speech audio
# after 100 ms): 1, 10 and 50 concurrent calls. Voice-to-voice (end of the caller's speech -> the answer's first frame)
# and Switchboard's share of it (minus the 500 ms endpoint silence and the three first-byte delays), barge-in (speech
# onset -> clear), whether each answer's audio kept up with real time, and the node's CPU per call. Then the local
# cascade: Whisper tiny.en and flite on this machine, the chat on the mock at 50 ms to first token, with (the default)
# and without speculative transcription. The default conf transcribes speculatively after 250 ms of silence (vad.speculative_ms)
# and starts the chat on that transcript (voice.preemptive: chat), inside the 500 ms endpoint silence: those rows also give
# the share against the stages left in series (share_serial_*: minus 600 ms, the mock's transcription and chat delays
# taken out); rows at 10 calls with preemptive generation off (minus 750 ms: the transcription alone hidden), with it on for speech
# too, and with speculation off (nothing hidden) beside them.
# Results: bench/results/voice-<date>.jsonl
#   bench/voice.sh [--no-build] [cloud|local|all]       (default all)
# Run it under flock /tmp/bench.lock; the machine's load average is written beside every row.
source "$(dirname "${BASH_SOURCE[0]}")/audio-common.sh" "$@" # sets NO_BUILD and ARGS (the rest), JAVA, CP, ROOT
positional WHAT=all
OUT="bench/results/voice-$STAMP.jsonl"
MESH_PORT=18300
MOCK_PORT=18391
TICK="$(getconf CLK_TCK)"
node_pid=""

start_mock() { # start_mock CHAT_MS
  "$JAVA" -cp "$CP" io.switchboard.bench.voice.MockVoiceUpstream --port "$MOCK_PORT" --asr-ms 100 --chat-ms "$1" --tts-ms 100 \
    > bench/results/voice-mock.log 2>&1 &
  pids+=($!)
  mock_pid=$!
}

start_node() { # start_node CONF
  rm -rf bench/results/voice-ledger
  # shellcheck disable=SC2046
  BENCH_MOCK_KEY=bench-key "$JAVA" $(jvm_flags) ${SWITCHBOARD_JAVA_OPTS:-} -cp "$CP" io.switchboard.app.Main run --conf "$1" \
    > bench/results/voice-switchboard.log 2>&1 &
  node_pid=$!
  pids+=("$node_pid")
  await_ready "$MESH_PORT" bench/results/voice-switchboard.log
}

stop_all() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$node_pid/stat"; }
vad_cpu() { curl -fs "http://127.0.0.1:$MESH_PORT/metrics" | awk '/^switchboard_voice_vad_cpu_seconds_total/ {print $2}'; }
# "stage sum|count value" of the node's per-turn histogram (switchboard_voice_turn_seconds), all backends together.
stage_stats() {
  curl -fs "http://127.0.0.1:$MESH_PORT/metrics" | awk '/^switchboard_voice_turn_seconds_(sum|count)\{/ {
    match($0, /stage="[^"]*"/); s = substr($0, RSTART + 7, RLENGTH - 8); k = ($0 ~ /_sum\{/) ? "sum" : "count"; v[s " " k] += $NF }
    END { for (x in v) print x, v[x] }'
}
# The mean of each stage over one run, from the histogram's sums and counts before and after it: where the time goes.
stage_means() { # stage_means BEFORE_FILE AFTER_FILE -> "endpoint":12.3,...
  awk 'NR == FNR { b[$1 " " $2] = $3; next } { a[$1 " " $2] = $3; st[$1] = 1 }
    END { sep = ""; for (s in st) { n = a[s " count"] - b[s " count"]; if (n > 0) {
      printf "%s\"%s\":%.1f", sep, s, 1000 * (a[s " sum"] - b[s " sum"]) / n; sep = "," } } }' "$1" "$2"
}

# The mock's real first-byte delays over one run (its /stats before and after): "transcription":100.9,...
mock_means() { # mock_means BEFORE_JSON AFTER_JSON
  python3 -c 'import json,sys; b=json.loads(sys.argv[1]); a=json.loads(sys.argv[2])
print(",".join("\"%s\":%.1f" % (k, (a[k]["sum_ms"]-b[k]["sum_ms"])/(a[k]["count"]-b[k]["count"])) for k in a if a[k]["count"]>b[k]["count"]))' "$1" "$2"
}

# How many requests the mock served per stage over one run (a chat prepared and discarded is one more than the turns).
mock_counts() { # mock_counts BEFORE_JSON AFTER_JSON
  python3 -c 'import json,sys; b=json.loads(sys.argv[1]); a=json.loads(sys.argv[2])
print(",".join("\"%s\":%d" % (k, a[k]["count"]-b[k]["count"]) for k in a))' "$1" "$2"
}

run() { # run LABEL CALLS TURNS BARGE_EVERY FIXED_MS [record|skip] [VoiceLoad args...]
  local before after vad0 vad1 t0 t1 line s0 s1 means m0 m1
  s0="$(mktemp)"; s1="$(mktemp)"
  stage_stats > "$s0"
  m0="$(curl -fs "http://127.0.0.1:$MOCK_PORT/stats")"
  before=$(cpu_ticks); vad0=$(vad_cpu); t0=$(date +%s.%N)
  line=$("$JAVA" -cp "$CP" io.switchboard.bench.voice.VoiceLoad --port "$MESH_PORT" --label "$1" --calls "$2" --turns "$3" \
    --barge-every "$4" --fixed-ms "$5" "${@:7}")
  after=$(cpu_ticks); vad1=$(vad_cpu); t1=$(date +%s.%N)
  stage_stats > "$s1"
  m1="$(curl -fs "http://127.0.0.1:$MOCK_PORT/stats")"
  means="$(stage_means "$s0" "$s1")"
  rm -f "$s0" "$s1"
  if [ "${6:-record}" = record ]; then
    # Node CPU over the run, per call: the share of one core a call kept busy on average (VAD included).
    echo "$line" | sed "s/}\$/,\"node_cpu_s\":$(echo "($after - $before) / $TICK" | bc -l | xargs printf '%.2f'),\"node_cpu_per_call_pct\":$(echo "100 * ($after - $before) / $TICK / ($t1 - $t0) / $2" | bc -l | xargs printf '%.2f'),\"vad_cpu_s\":$(echo "${vad1:-0} - ${vad0:-0}" | bc -l | xargs printf '%.3f'),\"node_stage_mean_ms\":{$means},\"mock_first_byte_mean_ms\":{$(mock_means "$m0" "$m1")},\"mock_first_bytes\":{$(mock_counts "$m0" "$m1")}}/" | tee -a "$OUT"
  fi
}

echo "{\"bench\":\"voice\",\"load_average\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"commit\":\"$(git rev-parse --short HEAD)\"}" | tee -a "$OUT"
# One configuration's rows on the mock cloud stages: cloud_rows CONF_LINES SUFFIX "CALLS TURNS BARGE_EVERY"... -- [VoiceLoad args]
# (CONF_LINES: what goes under voice: in bench/voice-conf.yaml, "" for the default configuration).
cloud_rows() {
  local conf lines="$1" suffix="$2" row
  shift 2
  conf="$(mktemp --suffix=.yaml)"
  if [ -n "$lines" ]; then
    sed "s/^voice:\$/voice:\\n$lines/" "$ROOT/bench/voice-conf.yaml" > "$conf"
  else
    cp "$ROOT/bench/voice-conf.yaml" "$conf"
  fi
  local rows=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do rows+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  start_mock 150
  start_node "$conf"
  run warmup 10 4 2 850 skip
  for row in "${rows[@]}"; do
    read -r calls turns barge <<< "$row"
    run "$calls call$([ "$calls" = 1 ] || echo s)$suffix" "$calls" "$turns" "$barge" 850 record "$@"
  done
  stop_all
  rm -f "$conf"
}

if [ "$WHAT" = all ] || [ "$WHAT" = cloud ]; then
  cloud_rows "" "" "1 12 3" "10 8 4" "50 6 3" -- --hidden-ms 250 --overlap "transcription after 250 ms of silence \
(vad.speculative_ms) and the chat on its transcript (voice.preemptive: chat), inside the 500 ms endpoint silence"
  cloud_rows '  preemptive: "off"' ", preemptive off" "10 8 4" -- --hidden-ms 100 --overlap "transcription \
after 250 ms of silence (vad.speculative_ms), inside the 500 ms endpoint silence"
  cloud_rows "  preemptive: speech" ", preemptive speech" "10 8 4" -- --hidden-ms 250 --overlap "as the default, and the first \
piece's speech asked for before the endpoint"
  cloud_rows "  vad:\\n    speculative_ms: 0" ", speculative_ms 0" "10 8 4"
fi
if [ "$WHAT" = all ] || [ "$WHAT" = local ]; then
  start_mock 50
  start_node "$ROOT/bench/voice-local-conf.yaml"
  run warmup 1 3 0 550 skip
  run "local cascade" 1 10 0 550
  stop_all
  spec="$(mktemp --suffix=.yaml)"
  cp "$ROOT/bench/voice-local-conf.yaml" "$spec"
  printf 'voice:\n  vad:\n    speculative_ms: 0\n' >> "$spec"
  start_mock 50
  start_node "$spec"
  run warmup 1 3 0 550 skip
  run "local cascade, speculative_ms 0" 1 10 0 550
  stop_all
  rm -f "$spec"
fi
echo "{\"bench\":\"voice\",\"load_average_after\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" | tee -a "$OUT"
echo "results in $OUT"
