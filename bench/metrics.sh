#!/usr/bin/env bash
# Metrics on the request path (issue 18), in-process, one thread: MeteredRequests.finished (a finished request counted
# with Micrometer's Prometheus registry) around a metering that does nothing, against that metering alone; ns and bytes
# allocated per request. Results: bench/results/metrics-<date>.jsonl. Run it under the machine's benchmark lock:
#   flock /tmp/bench.lock bench/metrics.sh [--no-build] [requests per scenario, 2000000]
source "$(dirname "${BASH_SOURCE[0]}")/audio-common.sh" "$@" # sets NO_BUILD and ARGS (the rest)
OUT="bench/results/metrics-$STAMP.jsonl"
echo "{\"bench\":\"metrics\",\"load_average\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" | tee -a "$OUT"
# shellcheck disable=SC2046
"$JAVA" $(jvm_flags) -Xmx512m -cp "$CP" io.switchboard.bench.metrics.MetricsBench "${ARGS[@]:-2000000}" | tee -a "$OUT"
echo "results in $OUT"
