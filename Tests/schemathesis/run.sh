#!/usr/bin/env bash
# Runs schemathesis, every check enabled, against a real `connector-host serve`
# on a free loopback port, over a temporary registry and plugin store, with the
# bundled plugins in development mode (as `make run` serves them), hello-swift also
# at the OpsHub default base /sdk-api/api/1.0. The server is
# stopped by its PID however the run ends.
#
#   Tests/schemathesis/run.sh BIN PLUGIN_DIR VENV EXAMPLES [schemathesis options...]
#
# The exceptions (checks switched off for an operation, each with its reason)
# are all in Tests/schemathesis/schemathesis.toml.
set -euo pipefail

bin=$(realpath "$1") plugins=$(realpath "$2") venv=$(realpath "$3") examples=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/connector-host-schemathesis.XXXXXX")
server=""
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
CONNECTOR_HOST_ADMIN_TOKEN=$token "$bin" serve --plugins "$plugins" --db "$work/registry.sqlite" \
  --plugin-store "$work/store" --host 127.0.0.1 --port "$port" --dev --sdk-default-connector hello-swift \
  --log-level warning >"$work/server.log" 2>&1 &
server=$!

for _ in $(seq 300); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "error: the server did not start:"; cat "$work/server.log"; exit 1; }
  sleep 0.1
done

status=0
# In the temporary directory: schemathesis keeps a cache in its working directory.
# Every check runs by default; not `--checks all`, which would also override the
# exceptions the configuration file switches off per operation, and would add
# max_response_time, a timing check that a shared machine cannot hold.
(cd "$work" && "$venv/bin/schemathesis" --config-file "$here/schemathesis.toml" run \
  "http://127.0.0.1:$port/openapi.json" --max-examples "$examples" --seed 1 \
  -H "authToken: $token" --report junit --report-dir "$work/report" "$@") || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log (tail) ---"; tail -n 40 "$work/server.log"
fi
exit "$status"
