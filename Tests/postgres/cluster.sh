#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the fleet-mode tests, from Debian's
# postgresql package: on a free loopback port, with its files in DIR.
#
#   cluster.sh start DIR    initdb and start; prints the cluster's URL
#   cluster.sh down DIR     stop the server by its PID, keeping its data
#   cluster.sh up DIR       start it again, on the same port
#   cluster.sh stop DIR     stop the server by its PID and remove DIR
#
# initdb refuses to run as root: as root, the cluster runs as the
# `postgres` user the package creates.
set -euo pipefail

command=${1:?usage: cluster.sh start|down|up|stop DIR}
dir=${2:?usage: cluster.sh start|down|up|stop DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "error: no PostgreSQL server (Debian package postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

serve() {
  # fsync off: a test cluster's data never needs to survive the machine.
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $1 -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
}

halt() {
  [ -f "$dir/data/postmaster.pid" ] || return 0
  pid=$(head -1 "$dir/data/postmaster.pid")
  # SIGINT: PostgreSQL's fast shutdown (sessions are ended, not waited for).
  kill -INT "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

case $command in
start)
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_owner "$bin/initdb" -D "$dir/data" -U connector_host --auth=trust --locale=C.UTF-8 -E UTF8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  echo "$port" >"$dir/port"
  serve "$port"
  echo "postgres://connector_host@127.0.0.1:$port/postgres?sslmode=disable"
  ;;
down)
  halt
  ;;
up)
  serve "$(cat "$dir/port")"
  ;;
stop)
  halt
  rm -rf "$dir"
  ;;
*)
  echo "usage: cluster.sh start|down|up|stop DIR" >&2
  exit 2
  ;;
esac
