#!/usr/bin/env bash
# Local chat on the jlama backend, end to end over the bus, on a random model of Llama-3.2-1B's shape in Q4 (written
# once into WORK_DIR, ~1 GB): generation speed against the memory-bandwidth limit measured in the same run, cold time
# to first token for 500- and 2,000-token prompts, and a ten-turn conversation (500-token system prompt, 30 new and 40
# generated tokens per turn) with and without prefix reuse. See JlamaBench for what each part measures.
#   bench/jlama.sh [--no-build] [WORK_DIR]          (default /tmp/switchboard-bench)
# Rows, each in its own JVM: "default" (the backend as ./mesh run configures it), "no-reuse" (prefix_cache_bytes: 0).
# JLAMA_BASELINE=<commit> adds "baseline": the same measurements on that commit's modules (built under /tmp with
# `git archive`, nothing installed), e.g. the commit before a change. JLAMA_ROWS limits the rows (e.g. "default").
# JLAMA_PARTS (generation,cold,conversation) limits the default and baseline rows' parts, e.g. "generation" alone for
# repeated short runs of it; SWITCHBOARD_JAVA_OPTS adds JVM options as ./mesh run does (e.g. -XX:+PrintCompilation).
# JLAMA_PAUSE_MS (1000): each request is sent this long after the one before ended (the engine keeps a turn's boundary
# for the next turn after its answer has ended; 0 sends back to back, and then a request may wait for that).
# Wrap it in `flock /tmp/bench.lock` on a shared machine. Results: bench/results/jlama-<date>.jsonl
source "$(dirname "${BASH_SOURCE[0]}")/audio-common.sh" "$@" # sets NO_BUILD, ARGS, JAVA, CP (our modules), ROOT
positional WORK=/tmp/switchboard-bench
OUT="bench/results/jlama-$STAMP.jsonl"
ROWS="${JLAMA_ROWS:-default no-reuse${JLAMA_BASELINE:+ baseline}}"
PARTS="${JLAMA_PARTS:-generation,cold,conversation}"

classpath_from() { # the bench classpath with Switchboard's modules taken from checkout $1
  mvn -B -q -o -pl bench dependency:build-classpath -Dmdep.outputFile=/dev/stdout | tr ':' '\n' \
    | sed -E "s#^.*/io/switchboard/([a-z-]+)/[^/]+/[^/]+\.jar\$#$1/\1/target/classes#" | awk '!seen[$0]++' | paste -sd:
}

bench() { # bench LABEL CLASSPATH PARTS CONF
  echo "== $1: load average $(cut -d' ' -f1-3 /proc/loadavg)"
  # shellcheck disable=SC2046
  "$JAVA" $(jvm_flags) ${SWITCHBOARD_JAVA_OPTS:-} -Xmx8g -Dswitchboard.bench.out="$OUT" -Dswitchboard.bench.pauseMs="${JLAMA_PAUSE_MS:-1000}" -cp "$2" io.switchboard.bench.llm.JlamaBench "$WORK" "$1" "$3" "$4"
  echo "== $1 done: load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

for row in $ROWS; do
  case "$row" in
    default) bench default "$CP" "$PARTS" '{}' ;;
    no-reuse) bench no-reuse "$CP" conversation '{"prefix_cache_bytes":0}' ;;
    baseline)
      base="$(git rev-parse --short "${JLAMA_BASELINE:?set JLAMA_BASELINE to a commit}")"
      dir="/tmp/switchboard-jlama-baseline-$base"
      if [ ! -d "$dir/llm-verticles/target/classes" ]; then
        rm -rf "$dir" && mkdir -p "$dir"
        git archive "$base" | tar -x -C "$dir"
        cp -r .mvn "$dir/" 2>/dev/null || true
        (cd "$dir" && mvn -B -q -o -pl llm-verticles -am -DskipTests compile)
      fi
      bench "baseline-$base" "$(classpath_from "$dir"):$ROOT/bench/target/classes" "$PARTS" '{}' ;;
    *) echo "unknown row '$row' (default, no-reuse, baseline)" >&2; exit 2 ;;
  esac
done
echo "results in $OUT"
