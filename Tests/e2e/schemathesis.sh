#!/usr/bin/env bash
# API fuzzing: starts a server on a free port with a throw-away data directory, runs schemathesis
# against its own /api/v1/openapi.json, and fails on any 5xx or any response that does not conform
# to the document (status code, content type, schema, headers).
#
# Usage: Tests/e2e/schemathesis.sh [path/to/cracktrader]   (default: dist/cracktrader, then .build/release/cracktrader)
# Env:   SCHEMATHESIS_MAX_EXAMPLES (default 50), SCHEMATHESIS_PHASES (default all four),
#        SCHEMATHESIS_ARGS (extra arguments).
set -euo pipefail
cd "$(dirname "$0")/../.."

binary="${1:-}"
if [[ -z "$binary" ]]; then
    for candidate in dist/cracktrader .build/release/cracktrader; do
        [[ -x "$candidate" ]] && binary="$candidate" && break
    done
fi
[[ -n "$binary" && -x "$binary" ]] || { echo "schemathesis.sh: no cracktrader binary (build one or pass its path)" >&2; exit 2; }

if ! command -v schemathesis >/dev/null 2>&1; then
    python3 -m pip install -q 'schemathesis>=4,<5'
fi

data_dir="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
log="$data_dir/server.log"
# --offline: a generated sandbox/live request must never reach a real venue.
# --rate-limit-burst 0: the fuzzer's state-changing requests must not be throttled into 429s.
"$binary" serve --host 127.0.0.1 --port "$port" --data-dir "$data_dir/data" --offline --log-level warning \
    --rate-limit-burst 0 >"$log" 2>&1 &
server=$!
cleanup() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    rm -rf "$data_dir"
}
trap cleanup EXIT

base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
    curl -fsS "$base/api/v1/health" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "$base/api/v1/health" >/dev/null || { echo "server did not start:"; cat "$log"; exit 1; }

checks="not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance"
# The WebSocket path only answers 426 to plain HTTP; /metrics and /ui are not JSON APIs.
# Per-operation phases plus `stateful`, which follows the document's OpenAPI links (start →
# status, run, stop, delete; stop → reset; reset → start; a saved script → read, update, delete).
status=0
schemathesis run "$base/api/v1/openapi.json" \
    --url "$base" \
    --phases "${SCHEMATHESIS_PHASES:-examples,coverage,fuzzing,stateful}" \
    --checks "$checks" \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-50}" \
    --exclude-path '/api/v1/ws/status' \
    ${SCHEMATHESIS_ARGS:-} || status=$?

if grep -q "unhandled error" "$log"; then
    echo "schemathesis.sh: the server logged unhandled errors:" >&2
    grep "unhandled error" "$log" >&2
    status=1
fi
exit "$status"
