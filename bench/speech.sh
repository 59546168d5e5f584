#!/usr/bin/env bash
# Speech time-to-first-audio overhead: the same speech requests sent straight to a mock upstream (OpenAI's
# /v1/audio/speech and ElevenLabs' streaming endpoint, first audio after a fixed delay, then more chunks) and through
# Switchboard's POST /v1/audio/speech (the cloud speech adapters pointed at the mock, bench/audio-conf.yaml), the two
# interleaved request by request; the difference is what the mesh adds. Sequential requests, then an open-loop rate.
# Loopback only; bounded. Results: bench/results/speech-<date>.jsonl
#   bench/speech.sh [--no-build] [PAIRS] [RATE] [SECONDS]     (defaults 300 sequential pairs, 50 req/s for 20 s)
# Before the first measurement the node is warmed up for $WARMUP seconds (default 60) at 300 requests/s: the JIT
# compilers keep a core busy for the first ~40 s, and a colder node measures the compiler, not the mesh. Extra JVM
# flags for the node: SWITCHBOARD_JAVA_OPTS; SWITCHBOARD_METRICS reaches it as usual. SPEECH_TARGET=bare
# (or bare-web, bare-bus) puts BareProxy where the node was: what a bare Vert.x proxy adds on this machine (the
# floor), then with Vert.x Web, then with the mesh's two bus hops and stream relay (see BareProxy); BARE_ARGS adds
# BareProxy options (e.g. "--event-loops 1"). The node's own event loops: SWITCHBOARD_EVENT_LOOPS (default 1).
set -euo pipefail
TARGET="${SPEECH_TARGET:-mesh}"
case "$TARGET" in
  mesh|bare|bare-web|bare-bus) ;;
  *) echo "SPEECH_TARGET is mesh, bare, bare-web or bare-bus, not '$TARGET'" >&2; exit 2 ;;
esac
source "$(dirname "${BASH_SOURCE[0]}")/audio-common.sh" "$@" # sets NO_BUILD and ARGS (the rest)
positional PAIRS=300 RATE=50 SECONDS_PER_RUN=20
OUT="bench/results/speech-$STAMP.jsonl"
MESH_PORT=18080
MOCK_PORT=18091
FIRST_MS=20
CHUNKS=10
CHUNK_BYTES=4096

"$JAVA" -cp "$CP" io.switchboard.bench.audio.MockAudioUpstream --port "$MOCK_PORT" --first-ms "$FIRST_MS" --chunks "$CHUNKS" \
  --chunk-bytes "$CHUNK_BYTES" --interval-ms 10 > bench/results/mock-audio.log 2>&1 &
pids+=($!)
if [ "$TARGET" != mesh ]; then
  # BareProxy in Switchboard's place (OpenAI path only): bare = plain, bare-web, bare-bus (its --layers).
  layers="${TARGET#bare}"; layers="${layers#-}"
  # shellcheck disable=SC2046
  "$JAVA" $(jvm_flags) ${SWITCHBOARD_JAVA_OPTS:-} -cp "$CP" io.switchboard.bench.audio.BareProxy --port "$MESH_PORT" \
    --upstream-port "$MOCK_PORT" --layers "${layers:-plain}" ${BARE_ARGS:-} > bench/results/speech-switchboard.log 2>&1 &
else
  # shellcheck disable=SC2046
  BENCH_MOCK_KEY=bench-key "$JAVA" $(jvm_flags) ${SWITCHBOARD_JAVA_OPTS:-} -cp "$CP" io.switchboard.app.Main run \
    --conf "$ROOT/bench/audio-conf.yaml" > bench/results/speech-switchboard.log 2>&1 &
fi
pids+=($!)
await_ready "$MESH_PORT" bench/results/speech-switchboard.log
echo "{\"bench\":\"speech-ttfa\",\"load_average\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"first_audio_ms\":$FIRST_MS,\"chunks\":$CHUNKS,\"chunk_bytes\":$CHUNK_BYTES}" | tee -a "$OUT"
warmup="${WARMUP:-60}"
providers="openai elevenlabs"
[ "$TARGET" != mesh ] && providers=openai
for provider in $providers; do
  "$JAVA" -cp "$CP" io.switchboard.bench.audio.SpeechFirstAudio --provider "$provider" --upstream-port "$MOCK_PORT" \
    --mesh-port "$MESH_PORT" --warmup-seconds "$warmup" --pairs "$PAIRS" --rate "$RATE" --seconds "$SECONDS_PER_RUN" \
    --expect-bytes $((CHUNKS * CHUNK_BYTES)) | tee -a "$OUT"
  warmup=15 # the node is warm; the next client JVM still needs its own JIT warm-up
done
echo "{\"bench\":\"speech-ttfa\",\"load_average_after\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" | tee -a "$OUT"
echo "results in $OUT"
