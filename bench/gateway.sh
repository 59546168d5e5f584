#!/usr/bin/env bash
# Gateway overhead benchmark: the same load sent straight to a mock OpenAI upstream and through Switchboard to it.
# Loopback only; every run is bounded in time and stops by itself. Results: bench/results/gateway-<date>.jsonl
#   bench/gateway.sh [--no-build] [SECONDS]   (default 20 s per measured run)
# Switchboard is measured in these configurations, one node JVM after the other, in one run (issue 15):
#   default        what `./mesh run` starts: the usage ledger on (DuckDB, durability process), metrics on; only the
#                  backend (bench/gateway-conf.yaml) and the folders are the bench's. THE HEADLINE ROW.
#   machine        the same with usage.durability: machine (each answer waits for the journal's fsync)
#   ledger-off     usage.enabled: false
#   metrics-off    SWITCHBOARD_METRICS=false, ledger on
# Each gets $WARMUP s (default 30) of load before its rows (the JIT keeps a core busy for the first ~40 s of a JVM),
# then 2,000 req/s, 5,000 req/s and saturation (32 connections), each after 1 s of its own warm-up. Beside every row:
# the node's CPU per request (user + system ticks of its process over the run, divided by the requests sent), and its
# RSS (VmRSS) idle after start, during the 5,000 req/s run (rss_mb_mean / _min / _max over a sample a second, rss_mb
# the one in the row's middle), and idle 10 s after the load. The direct rows
# (no Switchboard) come last. The machine is shared: run it as `flock /tmp/bench.lock bench/gateway.sh`.
#   try            the default with a change to try beside it: TRY_USAGE (usage settings, one "key: value" a line),
#                  TRY_OPTS (JVM options), TRY_ENV (environment, e.g. MALLOC_ARENA_MAX=2), TRY_APP (a directory holding
#                  another build's mesh-app.jar and lib/, e.g. main's, for a before/after of code in one run); try2 ...
#                  try9 are further variants in the same run, given by TRY2_USAGE, TRY2_OPTS, TRY2_ENV, TRY2_APP and so on;
#                  TRY_MEMORY (TRY2_MEMORY...) replaces the launcher's memory flags for that node, as SWITCHBOARD_JVM_MEMORY
#                  does for ./mesh (another collector cannot be given in TRY_OPTS: the JVM refuses two collectors)
# TOOLS=nginx-wrk measures the way issue 15 did: the upstream is nginx answering the mock's fixed completion
# (bench/gateway-nginx.conf) instead of the Java MockUpstream, and the saturation rows are `wrk -t1 -c32`
# (bench/gateway-wrk.lua, same request) instead of the Java LoadGenerator, so that the node is not measured against two
# JVMs' worth of load tools on the same two cores; the 2,000 req/s row is issue 15's too, `wrk -t1 -c20` with each
# connection sending one request per 10 ms (closed loop: it achieves a little under 2,000), and beside it the same with
# each wait drawn uniform over 5-15 ms (target_rps 2000, tool "... (random)"): with fixed waits wrk's connections fall
# into step and arrive in bursts of ~12-20 (docs/benchmarks.md, eighth stop), which measures a burst's queue rather
# than 2,000 independent requests a second. The 5,000 req/s row stays the
# LoadGenerator's (open loop, paced). It installs nginx-light and wrk with apt-get when they are missing (as ./mesh installs its packages).
# Ports: MOCK_PORT (18090) and MESH_PORT (18080). NODE_OPTS: extra JVM options for every node (e.g. a heap cap to try).
# Every node row also gives the node's young collections a second, their pause in ms a second, and the KB its heap
# allocated a request (eden's growth plus one eden a young collection, from `jstat -gc` before and after the row).
# The 2,000 and 5,000 req/s rows also give the node's CPU per request by thread group (names with digits folded, as the kernel
# keeps them: 15 characters), the wake-ups (voluntary context switches) a request by thread group, and the µs a request
# each thread group waited runnable for a core (schedstat's run-queue time). JFR_DIR: record a JFR profile (settings=profile, with CPU-time sampling every 1 ms of a
# thread's CPU) of each configuration's 5,000 req/s run into $JFR_DIR/<config>.jfr (bench/jfr-top.py summarises it);
# JFR_RATE names another row to record (2000, 2000r, 0), JFR_OPTS adds event settings (e.g. the allocation samples'
# rate, 'jdk.ObjectAllocationSample#throttle=5000/s': the profile's 300/s left ~90 samples in a 10 s row).
# PERF_DIR: a `perf record -F 2999 -g` of the node during each configuration's $PERF_RATE row (default 5000; 2000, 2000r, 0),
# from 2 s into the row for its length less 3 s, into $PERF_DIR/<config>-<rate>.data, with the JIT's symbol map beside it
# (<config>-<rate>.map, from `jcmd Compiler.perfmap`) and the requests of that window (<config>-<rate>.requests); the
# nodes then run with -XX:+PreserveFramePointer so that Java stacks unwind. bench/perf-stages.py reads it.
# NMT_DIR: run the nodes with native memory tracking and write each one's account (the kernel's anonymous / file split,
# the JVM's areas, the heap) in the middle of the 5,000 req/s run into $NMT_DIR/<config>-5000.txt and when idle after
# the load into $NMT_DIR/<config>.txt, with its RSS by mapping (bench/smaps-by-mapping.py: DuckDB's library, the journal,
# anonymous memory...) and, when DUCKDB_JE_MALLOC_CONF has stats_interval, the last totals DuckDB's allocator printed.
source "$(dirname "${BASH_SOURCE[0]}")/audio-common.sh" "$@" # sets NO_BUILD, ARGS, JAVA, CP (our modules), ROOT, STAMP, pids
positional SECONDS_PER_RUN=20
WARMUP="${WARMUP:-30}"
MOCK_PORT="${MOCK_PORT:-18090}"
MESH_PORT="${MESH_PORT:-18080}"
CONFIGS="${CONFIGS:-default machine ledger-off metrics-off}"
TOOLS="${TOOLS:-java}"
case "$TOOLS" in java|nginx-wrk) ;; *) echo "TOOLS is java or nginx-wrk" >&2; exit 2 ;; esac
RATES="2000 5000 0"
[ "$TOOLS" = nginx-wrk ] && RATES="2000 2000r 5000 0" # 2000r: the ~2,000 req/s row with random waits (below)
OUT="bench/results/gateway-$STAMP.jsonl"
WORK="$ROOT/target/bench-gateway"
rm -rf "$WORK"
mkdir -p "$WORK"
# The node runs from a copy of the launcher jar, so that a build during the run cannot change what is measured.
cp -r mesh-app/target/mesh-app.jar mesh-app/target/lib "$WORK/"
note() { echo "{\"note\":\"$*\",\"utc\":\"$(date -u +%H:%M:%S)\",\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" | tee -a "$OUT"; }

if [ "$TOOLS" = nginx-wrk ]; then
  source <(sed -n '/^have()/,/^}/p;/^ensure_packages()/,/^}/p' mesh)
  ensure_packages nginx:nginx-light wrk:wrk
  sed "s#@WORK@#$WORK#g; s#@PORT@#$MOCK_PORT#g" bench/gateway-nginx.conf > "$WORK/nginx.conf"
  nginx -p "$WORK" -c "$WORK/nginx.conf" > "$WORK/mock.log" 2>&1 &
else
  "$JAVA" -cp "$CP" io.switchboard.bench.gateway.MockUpstream "$MOCK_PORT" 20 1 > "$WORK/mock.log" 2>&1 &
fi
pids+=($!)
mesh_pid=""
start_mesh() { # $1: name; the rest: extra environment
  local name="$1"; shift
  local conf="$WORK/$name.yaml"
  sed "s#127.0.0.1:18090#127.0.0.1:$MOCK_PORT#" bench/gateway-conf.yaml > "$conf"
  local usage=""
  case "$name" in
    machine) usage="durability: machine" ;;
    ledger-off) usage="enabled: false" ;;
  esac
  local app="$WORK"
  case "$name" in try*) local v="TRY${name#try}_USAGE" a="TRY${name#try}_APP"; usage="${!v:-}"; app="${!a:-$WORK}" ;; esac
  if [ -n "$usage" ]; then { echo "usage:"; echo "$usage" | sed '/^$/d; s/^/  /'; } >> "$conf"; fi
  # shellcheck disable=SC2046
  env "$@" BENCH_MOCK_KEY=bench-key SWITCHBOARD_CONFIG="$conf" SWITCHBOARD_HTTP_PORT="$MESH_PORT" \
    SWITCHBOARD_USAGE_DIR="$WORK/usage-$name" \
    "$JAVA" $(jvm_flags) ${NODE_OPTS:-} ${NMT_DIR:+-XX:NativeMemoryTracking=summary} ${PERF_DIR:+-XX:+PreserveFramePointer} -jar "$app/mesh-app.jar" run > "$WORK/switchboard-$name.log" 2>&1 &
  mesh_pid=$!
  pids+=("$mesh_pid")
  for _ in $(seq 1 240); do
    curl -fs "http://127.0.0.1:$MESH_PORT/health/ready" >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -fs "http://127.0.0.1:$MESH_PORT/health/ready" >/dev/null || { echo "Switchboard did not become ready; see $WORK/switchboard-$name.log" >&2; exit 1; }
}
stop_mesh() {
  kill "$mesh_pid" 2>/dev/null || true
  wait "$mesh_pid" 2>/dev/null || true
}
# The node's memory by owner: the kernel's split (anonymous, file-backed, shared), the JVM's own account by area (what
# it does not count is native memory of libraries: DuckDB's allocator, glibc's arenas) and the heap's generations.
memory_account() {
  mkdir -p "$(dirname "$1")"
  { grep -E '^(Rss|Pss_Anon|Pss_File|Pss_Shmem|Anonymous|Shared_Clean|Shared_Dirty|Private_Clean|Private_Dirty):' "/proc/$mesh_pid/smaps_rollup"
    "$JAVA_HOME/bin/jcmd" "$mesh_pid" VM.native_memory summary; "$JAVA_HOME/bin/jcmd" "$mesh_pid" GC.heap_info
    python3 bench/smaps-by-mapping.py "$mesh_pid" "$WORK/switchboard-$2.log"; } > "$1" 2>&1 || true
}
# eden's capacity and use (KB), young collections and their total pause (s), from the node's perf data (no attach); a
# collector without an eden or a young count (Shenandoah) shows '-' there, and its rows go without the GC columns
gc_snapshot() { "$JAVA_HOME/bin/jstat" -gc "$mesh_pid" | awk 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i } NR == 2 { print $h["EC"], $h["EU"], $h["YGC"], $h["YGCT"] }'; }
rss_mb() { awk '/^VmRSS/ {printf "%d", $2 / 1024}' "/proc/$mesh_pid/status"; }
ticks() { awk '{print $14 + $15}' "/proc/$mesh_pid/stat"; }
# Per thread: its name with digits folded (a group: event loops, workers...) and its user + system ticks.
thread_ticks() {
  for t in /proc/"$mesh_pid"/task/*; do
    # shellcheck disable=SC2015
    [ -r "$t/stat" ] && sed -E 's/^[0-9]+ \((.*)\) (.*)$/\1\t\2/' "$t/stat" 2>/dev/null | awk -F'\t' '{ n = $1; gsub(/[0-9]+/, "N", n); gsub(/ /, "_", n); split($2, f, " "); print n, f[12] + f[13] }' || true
  done
}
# Per thread: its name folded as above and its voluntary context switches (each one a sleep, so each a wake-up).
thread_switches() {
  for t in /proc/"$mesh_pid"/task/*; do
    # shellcheck disable=SC2015
    [ -r "$t/status" ] && awk '/^Name:/ { n = $0; sub(/^Name:[ \t]*/, "", n); gsub(/[0-9]+/, "N", n); gsub(/ /, "_", n) }
      /^voluntary_ctxt_switches:/ { print n, $2 }' "$t/status" 2>/dev/null || true
  done
}
# Per thread: its name folded as above and the ns it waited on a run queue, runnable but not running (schedstat's second
# field): the time a woken thread waits for a core, which a wake-up count does not show.
thread_waits() {
  for t in /proc/"$mesh_pid"/task/*; do
    # shellcheck disable=SC2015
    [ -r "$t/schedstat" ] && echo "$(tr ' ' '_' < "$t/comm" | sed -E 's/[0-9]+/N/g') $(cut -d' ' -f2 "$t/schedstat")" 2>/dev/null || true
  done
}

DIRECT="http://127.0.0.1:$MOCK_PORT/v1/chat/completions"
MESH="http://127.0.0.1:$MESH_PORT/v1/chat/completions"
# One measured run; with $1 = a configuration name, the node's CPU per request (and at 5,000 req/s its RSS) beside it.
measure() {
  local name="$1" url="$2" rate="$3" before after line rss="" rss_samples="" rss_pid="" perf_pid="" threads="" switches="" waits="" gc_before="" gc_after=""
  if [ -n "$name" ]; then
    gc_before=$(gc_snapshot)
    before=$(ticks)
    if [ "$rate" = 5000 ]; then
      # RSS every second of the row (from its 2nd: the first is the load's start) for the row's mean, min and max: one
      # sample moves by ±8 MB with the JIT's native memory (docs/benchmarks.md, fourteenth stop); the one in the
      # middle of the row stays beside them, and there NMT_DIR's account is taken.
      : > "$WORK/rss-samples"
      (acct=""
       for s in $(seq 1 "$SECONDS_PER_RUN"); do
         sleep 1
         [ "$s" -ge 2 ] || continue
         r=$(rss_mb); echo "$r" >> "$WORK/rss-samples"
         if [ "$s" = $(( SECONDS_PER_RUN / 2 + 1 )) ]; then
           echo "$r" > "$WORK/rss"
           if [ -n "${NMT_DIR:-}" ]; then memory_account "$NMT_DIR/$name-5000.txt" "$name" & acct=$!; fi
         fi
       done
       [ -z "$acct" ] || wait "$acct") &
      rss_pid=$!
    fi
    if [ "$rate" = "${JFR_RATE:-5000}" ] && [ -n "${JFR_DIR:-}" ]; then
      mkdir -p "$JFR_DIR"
      # shellcheck disable=SC2086
      "$JAVA_HOME/bin/jcmd" "$mesh_pid" JFR.start name=bench settings=profile \
        'jdk.CPUTimeSample#enabled=true' 'jdk.CPUTimeSample#throttle=1ms' ${JFR_OPTS:-} duration="$(( SECONDS_PER_RUN + 1 ))s" \
        filename="$JFR_DIR/$name.jfr" > /dev/null
    fi
    if [ "$rate" = "${PERF_RATE:-5000}" ] && [ -n "${PERF_DIR:-}" ]; then
      mkdir -p "$PERF_DIR"
      (sleep 2; perf record -F 2999 -g -p "$mesh_pid" -o "$PERF_DIR/$name-$rate.data" -- sleep $(( SECONDS_PER_RUN - 3 )) \
        > "$PERF_DIR/$name-$rate.log" 2>&1) &
      perf_pid=$!
    fi
    if [ "$rate" != 0 ]; then thread_ticks > "$WORK/threads-before"; thread_switches > "$WORK/switches-before"; thread_waits > "$WORK/waits-before"; fi
  fi
  if [ "$TOOLS" = nginx-wrk ] && [ "$rate" != 5000 ]; then # 1 s of warm-up, as the LoadGenerator has, then the run
    local wrk_env=(WRK_CONNECTIONS=32) c=32
    if [ "$rate" = 2000 ]; then wrk_env=(WRK_CONNECTIONS=20 WRK_DELAY_MS=10); c=20; fi
    if [ "$rate" = 2000r ]; then wrk_env=(WRK_CONNECTIONS=20 WRK_DELAY_MS=10 WRK_RANDOM=1); c=20; fi
    env "${wrk_env[@]}" wrk -t1 -c"$c" -d1s -s bench/gateway-wrk.lua "$url" > /dev/null
    line=$(env "${wrk_env[@]}" wrk -t1 -c"$c" -d"${SECONDS_PER_RUN}s" -s bench/gateway-wrk.lua "$url" | tail -n 1 \
      | python3 -c "import json,sys; r=json.load(sys.stdin); r['url']='$url'; print(json.dumps(r))")
  else
    line=$("$JAVA" -cp "$CP" io.switchboard.bench.gateway.LoadGenerator --url "$url" --rate "$rate" --connections 32 \
      --seconds "$SECONDS_PER_RUN" --warmup 1)
  fi
  if [ -n "$name" ]; then
    after=$(ticks)
    gc_after=$(gc_snapshot)
    if [ -n "$rss_pid" ]; then wait "$rss_pid"; rss=$(cat "$WORK/rss"); rss_samples=$(paste -sd' ' "$WORK/rss-samples"); fi
    if [ -n "$perf_pid" ]; then # the JIT's symbols as they are now, beside the samples
      wait "$perf_pid"
      "$JAVA_HOME/bin/jcmd" "$mesh_pid" Compiler.perfmap > /dev/null && cp "/tmp/perf-$mesh_pid.map" "$PERF_DIR/$name-$rate.map"
      echo "$line" | python3 -c "import json,sys; r=json.load(sys.stdin); print(int(r['achieved_rps'] * ($SECONDS_PER_RUN - 3)))" \
        > "$PERF_DIR/$name-$rate.requests"
    fi
    if [ "$rate" != 0 ]; then # CPU per thread group over the run, µs per request (the groups above 1 µs)
      local sent # requests sent: what was achieved (a paced wrk row achieves a little under its rate), over the run and its warm-up
      sent=$(echo "$line" | python3 -c "import json,sys; print(max(1, int(json.load(sys.stdin)['achieved_rps'] * ($SECONDS_PER_RUN + 1))))")
      threads=$(thread_ticks | awk -v n="$sent" -v hz="$(getconf CLK_TCK)" \
        'NR == FNR { b[$1] += $2; next } { a[$1] += $2 } END { for (t in a) { v = (a[t] - b[t]) * 1e6 / hz / n; if (v >= 1) printf "%s=%.1f ", t, v } }' \
        "$WORK/threads-before" -)
      # Wake-ups per request by thread group (voluntary context switches; the groups above 0.05)
      switches=$(thread_switches | awk -v n="$sent" \
        'NR == FNR { b[$1] += $2; next } { a[$1] += $2 } END { for (t in a) { v = (a[t] - b[t]) / n; if (v >= 0.05) printf "%s=%.2f ", t, v } }' \
        "$WORK/switches-before" -)
      # Run-queue wait per request by thread group, µs (the groups above 1 µs)
      waits=$(thread_waits | awk -v n="$sent" \
        'NR == FNR { b[$1] += $2; next } { a[$1] += $2 } END { for (t in a) { v = (a[t] - b[t]) / 1e3 / n; if (v >= 1) printf "%s=%.1f ", t, v } }' \
        "$WORK/waits-before" -)
    fi
    # Requests sent = the measured run's rate over its seconds plus the 1 s warm-up before it.
    line=$(echo "$line" | python3 -c "import json,sys; r=json.load(sys.stdin); n=r['achieved_rps']*($SECONDS_PER_RUN+1); \
r['config']='$name'; r['cpu_us_per_request']=round(($after-$before)*1e6/$(getconf CLK_TCK)/max(n,1),1); \
r.update({'rss_mb':int('$rss')} if '$rss' else {}); rs=[int(x) for x in '$rss_samples'.split()]; \
r.update({'rss_mb_mean':round(sum(rs)/len(rs),1),'rss_mb_min':min(rs),'rss_mb_max':max(rs),'rss_samples':len(rs)} if rs else {}); \
num=lambda s: [float(x) for x in s.split() if x.replace('.', '', 1).isdigit()]; g0=num('$gc_before'); g1=num('$gc_after'); t=$SECONDS_PER_RUN+1; \
r.update({'young_gcs_per_s':round((g1[2]-g0[2])/t,2),'young_gc_ms_per_s':round((g1[3]-g0[3])*1e3/t,2), \
'alloc_kb_per_request':round((g1[1]-g0[1]+(g1[2]-g0[2])*g1[0])/max(n,1),1)} if len(g0)==4 and len(g1)==4 else {}); \
r.update({'cpu_us_per_request_by_thread':'${threads:-}'.strip()} if '${threads:-}' else {}); \
r.update({'wakeups_per_request_by_thread':'${switches:-}'.strip()} if '${switches:-}' else {}); \
r.update({'runqueue_wait_us_per_request_by_thread':'${waits:-}'.strip()} if '${waits:-}' else {}); print(json.dumps(r))")
  else
    line=$(echo "$line" | python3 -c "import json,sys; r=json.load(sys.stdin); r['config']='direct'; print(json.dumps(r))")
  fi
  echo "$line" | tee -a "$OUT"
}

note "start; configurations: $CONFIGS; tools: $TOOLS"
for name in $CONFIGS; do
  case "$name" in
    metrics-off) start_mesh "$name" SWITCHBOARD_METRICS=false ;;
    default|machine|ledger-off) start_mesh "$name" ;;
    # shellcheck disable=SC2086
    try|try[0-9]) opts="TRY${name#try}_OPTS"; envs="TRY${name#try}_ENV"; memory="TRY${name#try}_MEMORY"
      if [ -n "${!memory+set}" ]; then # the launcher's memory flags replaced, as SWITCHBOARD_JVM_MEMORY does for ./mesh
        SWITCHBOARD_JVM_MEMORY="${!memory}" NODE_OPTS="${NODE_OPTS:-} ${!opts:-}" start_mesh "$name" ${!envs:-}
      else
        NODE_OPTS="${NODE_OPTS:-} ${!opts:-}" start_mesh "$name" ${!envs:-}
      fi ;;
    *) echo "unknown configuration $name" >&2; exit 2 ;;
  esac
  sleep 5
  echo "{\"config\":\"$name\",\"rss_idle_after_start_mb\":$(rss_mb)}" | tee -a "$OUT"
  "$JAVA" -cp "$CP" io.switchboard.bench.gateway.LoadGenerator --url "$MESH" --rate 2000 --connections 32 \
    --seconds "$WARMUP" --warmup 1 > /dev/null
  note "$name warm"
  for rate in $RATES; do measure "$name" "$MESH" "$rate"; done
  sleep 10
  echo "{\"config\":\"$name\",\"rss_idle_after_load_mb\":$(rss_mb)}" | tee -a "$OUT"
  if [ -n "${NMT_DIR:-}" ]; then # where the idle node's memory is: the JVM's account by area, and the heap
    mkdir -p "$NMT_DIR"
    memory_account "$NMT_DIR/$name.txt" "$name"
  fi
  if [ "$name" != ledger-off ]; then
    curl -fs "http://127.0.0.1:$MESH_PORT/health/ready" > "$WORK/ready-$name.json" || true
  fi
  stop_mesh
done
for rate in $RATES; do measure "" "$DIRECT" "$rate"; done
note "end"
echo "results in $OUT"
