#!/usr/bin/env bash
# Cluster overhead benchmark: the gateway benchmark's load (bench/gateway.sh's mock upstream, load generator and
# conf) through one all-in-one node, then through a router node and a backend node in separate JVMs joined over
# Hazelcast on loopback; the difference is what the cluster hop costs. Then the backend node is stopped and a new
# one started: the time from its process start to the first request it serves is the join time.
# Loopback only; every run is bounded and stops by itself. Results: bench/results/cluster-<date>.jsonl
#   bench/cluster.sh [--no-build] [SECONDS] [RATE] [WARMUP]   (default 20 s per measured run, 1000 requests/s, 60 s of warm-up)
# The warm-up is long on purpose: at 1,000 req/s each JVM's C2 compiler keeps a core busy for about 40 s on two
# cores, and a measurement taken while it compiles measures the compiler, not the hop (bench/cpu.sh shows it).
source "$(dirname "${BASH_SOURCE[0]}")/audio-common.sh" "$@" # sets NO_BUILD, ARGS, JAVA, CP (our modules), ROOT, pids
positional SECONDS_PER_RUN=20 RATE=1000 WARMUP=60
MOCK_PORT=18090
ALL_PORT=18080
ROUTER_PORT=18081
HZ_PORT=25701
OUT="bench/results/cluster-$STAMP.jsonl"

members=""
for i in $(seq 0 9); do members="$members${members:+,}127.0.0.1:$((HZ_PORT + i))"; done
CLUSTER_ENV=(SWITCHBOARD_CLUSTER_NAME="switchboard-bench-$$" SWITCHBOARD_CLUSTER_HOST=127.0.0.1
  SWITCHBOARD_CLUSTER_PORT="$HZ_PORT" SWITCHBOARD_CLUSTER_MEMBERS="$members")

node() { # node LOG ENV... -- ARGS...: starts a Switchboard node in the background; its pid is in NODE_PID
  local log="$1"; shift
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  # shellcheck disable=SC2046
  env "${envs[@]}" BENCH_MOCK_KEY=bench-key SWITCHBOARD_CONFIG="$ROOT/bench/gateway-conf.yaml" \
    "$JAVA" $(jvm_flags) -jar mesh-app/target/mesh-app.jar run "$@" > "$log" 2>&1 &
  NODE_PID=$!
  pids+=("$NODE_PID")
}

stop() { # stop PID: SIGTERM, then wait until it has drained and exited
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

cpu() { # cpu PID: "<event-loop ticks> <JIT compiler ticks> <all ticks>" of a JVM so far (1 tick = 10 ms)
  local el=0 jit=0 all=0 name v
  for t in /proc/"$1"/task/*; do
    name="$(cat "$t/comm" 2>/dev/null)" || continue
    v="$(awk '{print $14 + $15}' "$t/stat" 2>/dev/null)" || continue
    all=$((all + v))
    case "$name" in vert.x-eventloo*) el=$((el + v)) ;; C1\ Compiler*|C2\ Compiler*) jit=$((jit + v)) ;; esac
  done
  echo "$el $jit $all"
}

load() { # load URL LABEL NAME=PID...: the measured run, with each JVM's CPU per request over the measured window
  local url="$1" label="$2"; shift 2
  local snaps="bench/results/cpu-$$"
  ( sleep "$WARMUP"; for np in "$@"; do echo "${np%%=*} ${np#*=} $(cpu "${np#*=}")"; done > "$snaps.before" ) &
  local snapper=$!
  "$JAVA" -cp "$CP" io.switchboard.bench.gateway.LoadGenerator --url "$url" --rate "$RATE" --connections 32 \
    --seconds "$SECONDS_PER_RUN" --warmup "$WARMUP" > "$snaps.load"
  wait "$snapper"
  local fields="" n
  n="$(sed -n 's/.*"requests":\([0-9]*\).*/\1/p' "$snaps.load")"
  while read -r name p el jit all; do
    read -r el2 jit2 all2 <<< "$(cpu "$p")"
    fields="$fields\"${name}_cpu_us_per_request\":$(( (all2 - all) * 10000 / (n > 0 ? n : 1) )),"
    fields="$fields\"${name}_eventloop_us_per_request\":$(( (el2 - el) * 10000 / (n > 0 ? n : 1) )),\"${name}_jit_ms\":$(( (jit2 - jit) * 10 )),"
  done < "$snaps.before"
  sed "s/^{/{\"setup\":\"$label\",$fields/" "$snaps.load" | tee -a "$OUT"
  rm -f "$snaps.before" "$snaps.load"
}

p50() { sed -n 's/.*"p50_ms":\([0-9.]*\).*/\1/p' | tail -n 1; }

"$JAVA" -cp "$CP" io.switchboard.bench.gateway.MockUpstream "$MOCK_PORT" 20 1 > bench/results/mock.log 2>&1 &
MOCK=$!
pids+=("$MOCK")

# 1. all in one JVM (the gateway benchmark's setup)
node bench/results/cluster-all.log --
ALL=$NODE_PID
await_ready "$ALL_PORT" bench/results/cluster-all.log "$ALL"
all_p50="$(load "http://127.0.0.1:$ALL_PORT/v1/chat/completions" all-in-one node="$ALL" mock="$MOCK" | p50)"
stop "$ALL"

# 2. router and backend in separate JVMs, clustered
node bench/results/cluster-router.log "${CLUSTER_ENV[@]}" SWITCHBOARD_HTTP_PORT="$ROUTER_PORT" -- --role router --cluster
ROUTER=$NODE_PID
node bench/results/cluster-backend1.log "${CLUSTER_ENV[@]}" -- --role backend --backends mock --cluster
B1=$NODE_PID
await_ready "$ROUTER_PORT" bench/results/cluster-router.log "$ROUTER"
cluster_p50="$(load "http://127.0.0.1:$ROUTER_PORT/v1/chat/completions" clustered router="$ROUTER" backend="$B1" mock="$MOCK" | p50)"

# 3. join time: stop the backend node (SIGTERM, it drains), start a new one, time its first served request
stop "$B1"
body='{"model":"bench-model","messages":[{"role":"user","content":"hi"}]}'
until [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' -d "$body" "http://127.0.0.1:$ROUTER_PORT/v1/chat/completions")" != 200 ]; do
  sleep 0.2
done
start_ms=$(date +%s%3N)
node bench/results/cluster-backend2.log "${CLUSTER_ENV[@]}" -- --role backend --backends mock --cluster
joined_ms=""
for _ in $(seq 1 3000); do
  code="$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' -d "$body" "http://127.0.0.1:$ROUTER_PORT/v1/chat/completions")"
  if [ "$code" = 200 ]; then joined_ms=$(( $(date +%s%3N) - start_ms )); break; fi
  sleep 0.02
done
[ -n "$joined_ms" ] || { echo "the new backend node never served; see bench/results/cluster-backend2.log" >&2; exit 1; }

added="$(awk -v a="$all_p50" -v c="$cluster_p50" 'BEGIN { printf "%.2f", c - a }')"
summary="{\"setup\":\"summary\",\"rate\":$RATE,\"all_in_one_p50_ms\":$all_p50,\"clustered_p50_ms\":$cluster_p50,\"added_p50_ms\":$added,\"join_to_first_served_ms\":$joined_ms}"
echo "$summary" | tee -a "$OUT"
echo "results in $OUT"
