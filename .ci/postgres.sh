#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the test suite and the bench (issue 18): `start` prints
#   TRADING_MCP_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:55432/postgres
# on stdout (and nothing else); `stop` stops it and removes its directory. Loopback only, trust auth
# for loopback, a fixed port (PGTEST_PORT, default 55432). A cluster already running on that port is
# reused, so `start` is idempotent. Installs Debian's `postgresql` when no server binaries are found.
set -euo pipefail
PORT="${PGTEST_PORT:-55432}"
DIR="${PGTEST_DIR:-${TMPDIR:-/tmp}/tars-trading-mcp-pg-$PORT}"
URL="postgres://postgres@127.0.0.1:$PORT/postgres"

find_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
  done
  return 1
}

as_pg() { # initdb refuses root: run the cluster as `postgres` when we are root
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_pg() {
  echo "no PostgreSQL server binaries: installing Debian's postgresql" >&2
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq postgresql >&2
}

start() {
  local bin
  bin="$(find_bin)" || { install_pg; bin="$(find_bin)"; }
  if [ -f "$DIR/data/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
    echo "TRADING_MCP_TEST_DATABASE_URL=$URL"
    return 0
  fi
  rm -rf "$DIR"
  mkdir -p "$DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$DIR"
  as_pg "$bin/initdb" -D "$DIR/data" -U postgres --auth=trust --no-sync -E UTF8 >"$DIR/initdb.log" 2>&1 ||
    { cat "$DIR/initdb.log" >&2; exit 1; }
  cat >"$DIR/data/pg_hba.conf" <<HBA
local all all trust
host  all all 127.0.0.1/32 trust
HBA
  # a test cluster: no fsync (thrown away), enough connections for the multi-process tests and the bench
  as_pg "$bin/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$DIR/server.log" >&2; exit 1; }
  echo "TRADING_MCP_TEST_DATABASE_URL=$URL"
}

stop() {
  local bin
  if bin="$(find_bin)" && [ -d "$DIR/data" ]; then
    as_pg "$bin/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
