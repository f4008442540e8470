#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests and benchmarks.
#
#   scripts/pg.sh start DIR   initdb a new cluster into DIR, start it and print
#                             one line: the libpq URL of its maintenance
#                             database (postgresql://sociald@127.0.0.1:PORT/postgres)
#   scripts/pg.sh stop DIR    stop it and remove DIR
#   scripts/pg.sh down DIR    stop the server (fast shutdown), keep DIR: an outage
#   scripts/pg.sh up DIR      start it again on the same port (after down)
#
# It installs nothing: it needs Debian's postgresql-15 (scripts/setup.sh). The
# cluster runs as the calling user, or, when called as root (CI on a fresh
# clone), as the postgres system user the package creates: PostgreSQL refuses
# to run as root. It never uses pg_ctlcluster or the package's clusters (the
# system's "15 main" stays as it is): its own data directory, a free loopback
# port and the Unix socket in DIR. A failed start leaves nothing running and
# removes DIR.
set -euo pipefail

PGBIN=/usr/lib/postgresql/15/bin

die() {
  echo "pg.sh: $*" >&2
  exit 1
}

usage() {
  echo "usage: scripts/pg.sh start|stop|down|up DIR" >&2
  exit 2
}

(($# == 2)) || usage
cmd=$1
dir=$2
[[ -x "$PGBIN/initdb" && -x "$PGBIN/pg_ctl" ]] ||
  die "needs Debian's postgresql-15 in $PGBIN (scripts/setup.sh installs it)"
[[ -n "$dir" && "$dir" != / ]] || die "DIR must name a directory of its own"

# as_owner CMD...: runs CMD as the cluster's owner, from DIR (the postgres
# user may not be allowed into the caller's working directory).
if (($(id -u) == 0)); then
  id postgres >/dev/null 2>&1 || die "as root this needs the postgres user (Debian's postgresql-15 creates it)"
  as_owner() { (cd "$dir" && runuser -u postgres -- "$@"); }
else
  as_owner() { (cd "$dir" && "$@"); }
fi

# A free loopback port: bound, then released (bench/lib.sh free_ports).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  if [[ -e "$dir" ]]; then
    [[ -d "$dir" && -z "$(ls -A "$dir")" ]] || die "$dir exists and is not an empty directory"
  fi
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  # From here on any failure stops what may run, shows the server's log
  # and removes DIR.
  trap cleanup_failed EXIT
  trap 'exit 1' INT TERM HUP
  # Marks DIR as this script's, so that stop never removes anything else.
  touch "$dir/.sociald-pg"
  # The socket's path must fit in sockaddr_un.sun_path (108 bytes).
  local sock="$dir/.s.PGSQL.65535"
  ((${#sock} < 108)) || die "$dir is too long a path for the Unix socket"
  if (($(id -u) == 0)); then
    chown postgres: "$dir"
    runuser -u postgres -- test -w "$dir" ||
      die "the postgres user cannot write $dir (a parent directory shuts it out): use one under /tmp"
  fi
  # Others may pass through DIR to the socket: a test in a user namespace
  # of its own, where DIR's owner is not mapped, connects that way
  # (harness.mjs pgSocketUrl). That opens nothing new: the socket, like
  # 127.0.0.1, trusts every local user. DIR is not listable and DIR/data
  # stays 0700, as PostgreSQL requires.
  chmod 711 "$dir"
  # UTF8 with the C locale: text compares byte by byte, as SQLite's BINARY
  # collation does, so ORDER BY on text gives the same order on both.
  as_owner "$PGBIN/initdb" -D "$dir/data" -U sociald --auth=trust -E UTF8 --locale=C \
    --no-instructions >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    die "initdb failed"
  }
  # A throwaway cluster for tests: no fsync, no synchronous commit and no
  # full-page writes. A crash of the machine may corrupt it, which does not
  # matter here and would everywhere else.
  cat >>"$dir/data/postgresql.conf" <<EOF

# scripts/pg.sh: a throwaway test cluster (never for data worth keeping)
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
EOF
  # Another process may take the port between free_port and the bind:
  # try again with a new one.
  local port attempt
  for attempt in 1 2 3; do
    port=$(free_port)
    echo "port = $port" >>"$dir/data/postgresql.conf"
    if as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null; then
      break
    fi
    # pg_ctl -w gave up: make sure no postmaster outlives the attempt.
    stop_server immediate
    ((attempt < 3)) || die "the server did not start (log above)"
  done
  trap - EXIT INT TERM HUP
  echo "postgresql://sociald@127.0.0.1:$port/postgres"
}

# stop_server MODE: stops the cluster in DIR if it runs.
stop_server() {
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m "$1" -w -t 60 stop >/dev/null 2>&1 || true
  fi
}

cleanup_failed() {
  if [[ -f "$dir/server.log" ]]; then
    tail -n 20 "$dir/server.log" >&2
  fi
  stop_server immediate
  rm -rf "$dir"
}

stop() {
  [[ -d "$dir" ]] || die "$dir is not a directory"
  [[ -f "$dir/.sociald-pg" ]] || die "$dir was not made by scripts/pg.sh start: not removing it"
  dir=$(cd "$dir" && pwd)
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null ||
      die "pg_ctl stop failed; $dir is left as it is"
  fi
  rm -rf "$dir"
}

# down/up: the failover test's outage (tests/integration/failover.test.mjs).
down() {
  [[ -f "$dir/.sociald-pg" ]] || die "$dir was not made by scripts/pg.sh start"
  as_owner "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null || die "pg_ctl stop failed"
}

up() {
  [[ -f "$dir/.sociald-pg" ]] || die "$dir was not made by scripts/pg.sh start"
  as_owner "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
    die "pg_ctl start failed"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  down) down ;;
  up) up ;;
  *) usage ;;
esac
