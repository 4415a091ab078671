#!/usr/bin/env bash
# Smoke-tests the release binary the way a user meets it: copied alone into an empty directory.
# Checks: only the C library family is linked dynamically, /ui and /api/v1/health answer, a port
# already in use is one clear line and exit status 1, and SIGTERM shuts down cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-dist/cracktrader}"

fail() { echo "smoke: FAIL: $*" >&2; exit 1; }

# Only libc, libm, libpthread, libdl, librt and the loader may be dynamic.
unexpected=$(ldd "$binary" | awk '{print $1}' | grep -vE '^(linux-vdso\.so|libc\.so|libm\.so|libpthread\.so|libdl\.so|librt\.so|/lib64/ld-linux|ld-linux)' || true)
[[ -z "$unexpected" ]] || fail "unexpected dynamic libraries: $unexpected"
size=$(stat -c %s "$binary")
(( size <= 34 * 1024 * 1024 )) || fail "binary is $size bytes, over 34 MiB"

work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
cp "$binary" "$work/cracktrader"
cd "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

./cracktrader --port "$port" > out.log 2> err.log &
server=$!
for _ in $(seq 1 100); do
    grep -q "Dashboard: http://127.0.0.1:$port/ui" out.log 2>/dev/null && break
    sleep 0.05
done
grep -q "Dashboard: http://127.0.0.1:$port/ui" out.log || fail "no dashboard URL printed: $(cat out.log err.log)"

code=$(curl -s -o ui.html -w '%{http_code}' "http://127.0.0.1:$port/ui")
[[ "$code" == 200 ]] || fail "/ui answered $code"
grep -qi "<title>" ui.html || fail "/ui is not the dashboard"
health=$(curl -s -D headers.txt "http://127.0.0.1:$port/api/v1/health")
grep -qi '^x-cracktrader-api-version: v1' headers.txt || fail "no version header"
echo "$health" | grep -q '"status":"healthy"' || fail "health: $health"

# A second server on the same port: one line, exit status 1.
set +e
./cracktrader --port "$port" > second.out 2> second.err
status=$?
set -e
[[ $status -eq 1 ]] || fail "port in use exited with $status"
[[ $(wc -l < second.err) -eq 1 ]] || fail "port in use printed more than one line: $(cat second.err)"
grep -q "already in use" second.err || fail "port in use message: $(cat second.err)"

kill -TERM "$server"
wait "$server" || fail "server exited with status $? on SIGTERM"
grep -q "Cracktrader stopped." out.log || fail "no clean shutdown message"

# The environment sets the port; a flag wins over it. SIGINT stops as cleanly as SIGTERM.
env_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
CRACKTRADER_API_PORT="$env_port" CRACKTRADER_LOG_LEVEL=warning ./cracktrader > env.log 2>&1 &
server=$!
for _ in $(seq 1 100); do grep -q "Dashboard" env.log 2>/dev/null && break; sleep 0.05; done
grep -q "Dashboard: http://127.0.0.1:$env_port/ui" env.log || fail "CRACKTRADER_API_PORT was not used: $(cat env.log)"
kill -INT "$server"
wait "$server" || fail "server exited with status $? on SIGINT"
CRACKTRADER_API_PORT=1 ./cracktrader --port "$port" > flag.log 2>&1 &
server=$!
for _ in $(seq 1 100); do grep -q "Dashboard" flag.log 2>/dev/null && break; sleep 0.05; done
grep -q "Dashboard: http://127.0.0.1:$port/ui" flag.log || fail "--port did not win over CRACKTRADER_API_PORT: $(cat flag.log)"
kill -TERM "$server"
wait "$server" || true
set +e
./cracktrader --log-level loud > bad.log 2>&1
status=$?
set -e
[[ $status -ne 0 ]] || fail "an unknown log level was accepted"
echo "smoke: OK (size $size bytes, port $port)"
