#!/usr/bin/env bash
# End-to-end tests against a real binary: the dashboard in headless Chromium (Selenium), then
# schemathesis against the server's own OpenAPI document.
#
# Usage: Tests/e2e/run.sh [path/to/cracktrader]   (default: dist/cracktrader)
# Screenshots land in ${CRACKTRADER_ARTIFACTS:-artifacts}/.
set -euo pipefail
cd "$(dirname "$0")/../.."
binary="$(realpath "${1:-dist/cracktrader}")"
[[ -x "$binary" ]] || { echo "run.sh: $binary is not executable" >&2; exit 2; }

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
# --offline: nothing the browser does (and no sandbox/live request) may reach a real venue.
"$binary" serve --host 127.0.0.1 --port "$port" --data-dir "$work/data" --offline --log-level warning >"$work/server.log" 2>&1 &
server=$!
cleanup() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1 && break
    sleep 0.1
done

export CRACKTRADER_URL="http://127.0.0.1:$port"
# test_auth.py starts (and restarts) its own server with a token from the same binary.
export CRACKTRADER_BINARY="$binary"
export CRACKTRADER_ARTIFACTS="${CRACKTRADER_ARTIFACTS:-$PWD/artifacts}"
status=0
python3 -m pytest -q Tests/e2e || status=$?
if [[ $status -ne 0 ]]; then
    echo "run.sh: browser tests failed; server log:" >&2
    tail -50 "$work/server.log" >&2
    exit "$status"
fi

Tests/e2e/schemathesis.sh "$binary"
