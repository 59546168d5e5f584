#!/usr/bin/env bash
# Runs one benchmark class of the bench module with the JDK and JVM flags ./mesh uses, so a documented command works
# as written whatever the machine's default `java` is (the launcher's JDK search: $JAVA_HOME, java on PATH,
# /usr/lib/jvm/*, the newest 21 or later).
#   bench/run.sh [--no-build] CLASS [ARGS...]    e.g. bench/run.sh io.switchboard.bench.policy.PolicyBench 1000000
# Without --no-build the project is built first (./mesh build). Extra JVM options: BENCH_JAVA_OPTS.
source "$(dirname "${BASH_SOURCE[0]}")/audio-common.sh"
if [ "${#ARGS[@]}" -eq 0 ]; then
  sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
# shellcheck disable=SC2046,SC2086
"$JAVA" $(jvm_flags) ${BENCH_JAVA_OPTS:-} -cp "$CP" "${ARGS[@]}"
