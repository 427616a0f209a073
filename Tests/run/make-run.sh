#!/usr/bin/env bash
# The README's first command, as a user types it: `make run` serves the
# bundled plugins, the console page answers, and the admin token it printed
# lists the plugins. On a free loopback port; stopped by its PID however the
# check ends.
set -euo pipefail

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
log=$(mktemp "${TMPDIR:-/tmp}/connector-host-make-run.XXXXXX")
setsid make --no-print-directory run RUN_PORT="$port" >"$log" 2>&1 &
runner=$!
cleanup() {
  kill -TERM -- "-$runner" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$runner" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$runner" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT INT TERM

for _ in $(seq 600); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$runner" 2>/dev/null || { echo "error: make run stopped:"; cat "$log"; exit 1; }
  sleep 0.2
done
token=$(cat data/admin-token)
grep -q "Admin token: $token" "$log" || { echo "error: make run did not print the admin token"; cat "$log"; exit 1; }
curl -fsS "http://127.0.0.1:$port/" | grep -q "<title>ConnectorHost console</title>" \
  || { echo "error: the console page does not answer"; exit 1; }
plugins=$(curl -fsS -H "authToken: $token" "http://127.0.0.1:$port/plugins")
for name in tracker hello-swift host-api; do
  echo "$plugins" | grep -q "\"name\":\"$name\"" || { echo "error: make run does not serve $name: $plugins"; exit 1; }
done
echo "make run: serves tracker, hello-swift and host-api, and the console, on port $port"
