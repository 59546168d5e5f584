#!/usr/bin/env bash
# A throwaway PostgreSQL on 127.0.0.1 for the usage-store tests and benchmarks.
#
#   .ci/postgres.sh [start|stop|status|url|destroy]
#
# start (the default) installs PostgreSQL from Debian packages when its binaries are missing, creates a cluster in
# a temp dir (once), starts it (when not running), creates the database and user, and prints the URL as its last
# line of standard output. Idempotent: run it as often as you like. Everything else it prints goes to stderr.
# Runs as root (the server itself runs as the `postgres` user) or as an ordinary user who already has the
# binaries. Uses the Debian package's binaries under /usr/lib/postgresql/<version>/bin, newest version first.
#
# Environment: SWITCHBOARD_PG_PORT (55432), SWITCHBOARD_PG_DIR (/tmp/switchboard-pg-<port>),
#              SWITCHBOARD_PG_DB / _USER / _PASSWORD (switchboard).
set -euo pipefail

cmd=${1:-start}
port=${SWITCHBOARD_PG_PORT:-55432}
dir=${SWITCHBOARD_PG_DIR:-/tmp/switchboard-pg-$port}
db=${SWITCHBOARD_PG_DB:-switchboard}
user=${SWITCHBOARD_PG_USER:-switchboard}
password=${SWITCHBOARD_PG_PASSWORD:-switchboard}
data=$dir/data
url="postgresql://$user:$password@127.0.0.1:$port/$db"

log() { echo "postgres.sh: $*" >&2; }

find_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

install_postgres() {
  if [ "$(id -u)" != 0 ]; then
    log "PostgreSQL is not installed and this is not root: run 'apt-get install -y postgresql' as root"
    exit 1
  fi
  log "installing PostgreSQL from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2
  apt-get install -y postgresql >&2
}

bin=$(find_bin || true)
if [ -z "$bin" ]; then
  if [ "$cmd" != start ]; then
    log "PostgreSQL is not installed"
    [ "$cmd" = status ] && exit 3
    [ "$cmd" = url ] && { echo "$url"; exit 0; }
    exit 0
  fi
  install_postgres
  bin=$(find_bin) || { log "no PostgreSQL binaries under /usr/lib/postgresql after install"; exit 1; }
fi

# The server refuses to run as root: as root, run its tools as the postgres user (created by the Debian package).
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

running() {
  [ -f "$data/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

psql_admin() {
  as_pg "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres "$@"
}

init_cluster() {
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$dir"
  fi
  chmod 700 "$dir"
  log "creating a cluster in $data"
  # Socket connections are trusted so the script can administer; TCP needs the password (SCRAM).
  as_pg "$bin/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --no-locale >&2
  cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 100
shared_buffers = 128MB
EOF
}

start() {
  if [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"
    init_cluster
  fi
  if ! running; then
    log "starting PostgreSQL on 127.0.0.1:$port"
    as_pg "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start >&2
  fi
  if ! psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$user'" | grep -q 1; then
    psql_admin -c "CREATE ROLE \"$user\" LOGIN PASSWORD '$password'" >&2
  fi
  if ! psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    psql_admin -c "CREATE DATABASE \"$db\" OWNER \"$user\"" >&2
  fi
  echo "$url"
}

stop() {
  if running; then
    log "stopping PostgreSQL on 127.0.0.1:$port"
    as_pg "$bin/pg_ctl" -D "$data" -w -t 60 -m fast stop >&2
  fi
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) if running; then echo running; else echo stopped; exit 3; fi ;;
  url) echo "$url" ;;
  destroy) stop; rm -rf "$dir" ;;
  *) log "usage: $0 [start|stop|status|url|destroy]"; exit 2 ;;
esac
