# The head every bench script shares (sourced with its arguments; the name is older than its users: speech, upload,
# run, jlama, cid, metrics, voice, realtime, soak, cluster, gateway, ledger): strict mode (set -euo pipefail), --no-build
# is taken out, the other arguments are left in ARGS (`positional` names them); JDK, flags and environment from ./mesh, the
# classpath, STAMP (this run's UTC time, in the names of its result files), process cleanup.
# With --no-build nothing is built: Switchboard's modules run from their target/classes as they are (compile them
# first, e.g. mvn -o -q -pl bench,router-verticle compile), and nothing is installed into ~/.m2.
# MODULES_FROM=DIR takes the modules' target/classes from another checkout (e.g. `git archive` of the commit before a
# change, compiled there) while the benchmark's own classes stay these: a before/after on the same harness.
set -euo pipefail
NO_BUILD=false
ARGS=()
for a in "$@"; do
  if [ "$a" = "--no-build" ]; then NO_BUILD=true; else ARGS+=("$a"); fi
done
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source <(sed -n '/^java_major()/,/^}/p;/^find_jdk()/,/^}/p;/^jvm_flags()/,/^}/p;/^node_env()/,/^}/p' mesh)
find_jdk
node_env # the nodes started here get the launcher's environment too
JAVA="$JAVA_HOME/bin/java"
if [ "${NO_BUILD:-false}" != true ]; then
  ./mesh build >/dev/null
fi
# Switchboard's own modules from their target/classes (their test kits, *-tests.jar, from target/test-classes), the
# rest from the local Maven repository.
CP="$(mvn -B -q -o -pl bench dependency:build-classpath -Dmdep.outputFile=/dev/stdout | tr ':' '\n' \
  | sed -E -e "s#^.*/io/switchboard/([a-z-]+)/[^/]+/[^/]+-tests\.jar\$#${MODULES_FROM:-$ROOT}/\1/target/test-classes#" \
    -e "s#^.*/io/switchboard/([a-z-]+)/[^/]+/[^/]+\.jar\$#${MODULES_FROM:-$ROOT}/\1/target/classes#" \
  | awk '!seen[$0]++' | paste -sd:):bench/target/classes"
mkdir -p bench/results
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
positional() { # positional NAME=DEFAULT...: the arguments left in ARGS, in order, into the named variables, else their defaults
  local i=0 pair
  for pair in "$@"; do
    printf -v "${pair%%=*}" '%s' "${ARGS[$i]:-${pair#*=}}"
    i=$((i + 1))
  done
}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
# A TERM or INT (e.g. from `timeout`) would end the shell without its EXIT trap and leave the nodes running: exit instead.
trap 'exit 143' TERM
trap 'exit 130' INT

await_ready() { # await_ready PORT LOG [PID]: with PID, that node must still be running (another process may hold the port)
  for _ in $(seq 1 240); do
    [ -z "${3:-}" ] || kill -0 "$3" 2>/dev/null || { echo "node on $1 exited; see $2" >&2; exit 1; }
    curl -fs "http://127.0.0.1:$1/health/ready" >/dev/null 2>&1 && { [ -z "${3:-}" ] || kill -0 "$3" 2>/dev/null; } && return 0
    sleep 0.5
  done
  echo "node on $1 did not become ready; see $2" >&2
  exit 1
}
