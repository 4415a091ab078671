#!/usr/bin/env bash
# Benchmarks a cracktrader binary's HTTP API and WebSocket fan-out on loopback and prints figures
# that can be compared between builds (with the targets next to them).
#
#   BuildTools/bench-api.sh [BINARY]        BINARY defaults to dist/cracktrader
#
# Measures: 1) wrk on /api/v1/status, idle; 2) the same while million-bar backtests run;
# 3) POST /run/backtest → "completed" for ~1M 1m sim bars, cold and warm; 4) N WebSocket clients
# must each see every status transition of one run; 5) binary size, start-up time to the first
# 200 on /api/v1/health, idle RSS.
#
# The server is started here on a free 127.0.0.1 port with a temporary --data-dir and stopped at
# the end. Needs wrk, curl, python3 (+ `pip install websockets` for step 4).
#
# Environment:
#   BENCH_DURATION      wrk duration per run, seconds          (default 10)
#   BENCH_WS_CLIENTS    WebSocket clients in step 4            (default 1000)
#   BENCH_STARTUP_RUNS  server starts timed in step 5          (default 3)
#   BENCH_MAX_SECONDS   hard time budget for the whole script  (default 170)
#   BENCH_BT_START      start_date of the big backtest         (default 2023-01-01T00:00:00Z)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
helper="$here/bench_ws.py"

duration="${BENCH_DURATION:-10}"
ws_clients="${BENCH_WS_CLIENTS:-1000}"
startup_runs="${BENCH_STARTUP_RUNS:-3}"
max_seconds="${BENCH_MAX_SECONDS:-170}"
bt_start="${BENCH_BT_START:-2023-01-01T00:00:00Z}"

die() { echo "bench-api: ERROR: $*" >&2; exit 1; }
note() { echo "bench-api: $*" >&2; }

# ---------------------------------------------------------------- arguments and tools
binary_arg="${1:-dist/cracktrader}"
if [[ -x "$binary_arg" ]]; then
    binary="$(realpath -s "$binary_arg")"
elif [[ "$binary_arg" != /* && -x "$root/$binary_arg" ]]; then
    binary="$(realpath -s "$root/$binary_arg")"
else
    die "no executable binary at '$binary_arg' (also looked under $root); build one (BuildTools/release.sh) or pass a path, e.g. .build/debug/cracktrader"
fi
for tool in wrk curl python3 awk; do
    command -v "$tool" >/dev/null || die "'$tool' is not installed (apt-get install -y $tool)"
done
[[ "$duration" =~ ^[0-9]+$ && "$duration" -ge 1 ]] || die "BENCH_DURATION must be a whole number of seconds ≥ 1, not '$duration'"
[[ "$ws_clients" =~ ^[0-9]+$ && "$ws_clients" -ge 1 ]] || die "BENCH_WS_CLIENTS must be a positive integer, not '$ws_clients'"
[[ "$startup_runs" =~ ^[0-9]+$ && "$startup_runs" -ge 1 ]] || die "BENCH_STARTUP_RUNS must be a positive integer"
[[ "$max_seconds" =~ ^[0-9]+$ ]] || die "BENCH_MAX_SECONDS must be a whole number of seconds"
ws_available=1
python3 -c 'import websockets.asyncio.client' 2>/dev/null || ws_available=0

# 1,000 sockets on both ends (the server inherits this limit).
want_fds=$(( ws_clients * 2 + 256 ))
(( want_fds < 4096 )) && want_fds=4096
if ! ulimit -n "$want_fds" 2>/dev/null; then
    hard=$(ulimit -Hn)
    ulimit -n "$hard" 2>/dev/null || true
    note "could not raise the open-file limit to $want_fds; it is $(ulimit -n) (WebSocket clients may fail)"
fi

# ---------------------------------------------------------------- time budget and cleanup
t_begin=$SECONDS
remaining() { echo $(( max_seconds - (SECONDS - t_begin) )); }
# Seconds a step may take: its own bound, cut to what is left of the budget.
budget() {
    local want=$1 left
    left=$(remaining)
    (( left < 5 )) && die "time budget of ${max_seconds}s exhausted (BENCH_MAX_SECONDS)"
    (( want < left )) && echo "$want" || echo "$left"
}

work="$(mktemp -d -t cracktrader-bench.XXXXXX)"
server_pid=""
bg_pids=()
cleanup() {
    local status=$?
    for pid in "${bg_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$server_pid" 2>/dev/null || true
    fi
    if (( status != 0 )) && [[ -s "$work/server.log" ]]; then
        echo "bench-api: last lines of the server log:" >&2
        tail -n 20 "$work/server.log" >&2 || true
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'note "interrupted"; exit 130' INT
trap 'note "terminated"; exit 143' TERM

# ---------------------------------------------------------------- helpers
# key=value output of the helper → shell variables prefixed with r_ (values may hold spaces).
load_kv() {
    local line key value
    while IFS= read -r line; do
        [[ "$line" == *=* ]] || continue
        key="${line%%=*}"; value="${line#*=}"
        [[ "$key" =~ ^[a-z0-9_]+$ ]] || continue
        printf -v "r_$key" '%s' "$value"
    done < "$1"
}

# wrk's latency with unit (850.00us, 1.23ms, 2.00s) → milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n = n / 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n = n * 60000; else if (v ~ /s$/) n = n * 1000
        printf "%.3f", n }'
}

# Runs wrk on /api/v1/status; sets wrk_rps, wrk_p50, wrk_p99 (ms), wrk_errors.
run_wrk() {
    local out=$1
    timeout "$(budget $(( duration + 20 )))" \
        wrk -t2 -c64 -d"${duration}s" --latency "http://127.0.0.1:$port/api/v1/status" > "$out" 2>&1 \
        || die "wrk failed: $(tail -n 5 "$out")"
    wrk_rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
    wrk_p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
    wrk_p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
    local non2xx sockerr
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
    sockerr=$(awk -F'Socket errors: ' '/Socket errors:/ {print $2}' "$out")
    wrk_errors="${non2xx:-0} non-2xx${sockerr:+; socket errors: $sockerr}"
    [[ -n "$wrk_rps" ]] || die "could not read wrk's output: $(cat "$out")"
}

# verdict VALUE OP TARGET → PASS/FAIL (numeric, awk)
verdict() {
    awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN {
        if (a == "" || a == "n/a") { print "n/a"; exit }
        ok = (op == ">=") ? (a + 0 >= b + 0) : (a + 0 < b + 0)
        print ok ? "PASS" : "FAIL" }'
}

rss_mb() { awk '/^'"$2"':/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

section() { printf '\n== %s\n' "$*"; }

# ---------------------------------------------------------------- 5a. binary facts (no server)
echo "Cracktrader API benchmark"
echo "binary:   $binary"
echo "host:     $(nproc) CPUs, $(uname -srm); wrk $(wrk -v 2>&1 | awk 'NR==1 {print $2}')"
echo "settings: BENCH_DURATION=${duration}s BENCH_WS_CLIENTS=$ws_clients BENCH_STARTUP_RUNS=$startup_runs BENCH_MAX_SECONDS=$max_seconds (open files: $(ulimit -n))"

size_bytes=$(stat -c %s "$binary")
size_mb=$(awk -v b="$size_bytes" 'BEGIN {printf "%.1f", b / 1048576}')

section "5. Start-up: spawn → first 200 on /api/v1/health (fresh data dir, polled every 5 ms, $startup_runs runs)"
timeout "$(budget 60)" python3 "$helper" startup "$binary" --runs "$startup_runs" > "$work/startup.kv" \
    || die "start-up measurement failed"
load_kv "$work/startup.kv"
echo "start-up: min ${r_startup_ms_min} ms, median ${r_startup_ms_median} ms (all: ${r_startup_ms_all} ms)"

# ---------------------------------------------------------------- the server under test
port=$(python3 "$helper" port)
"$binary" serve --port "$port" --data-dir "$work/data" > "$work/server.log" 2>&1 < /dev/null &
server_pid=$!
timeout "$(budget 40)" python3 "$helper" wait-health "$port" --timeout 30 \
    || die "the server did not become healthy on port $port"
kill -0 "$server_pid" 2>/dev/null || die "the server exited right after start"
sleep 1
idle_rss=$(rss_mb "$server_pid" VmRSS)
echo "server:   pid $server_pid on 127.0.0.1:$port, data dir $work/data"
echo "version:  $(grep -o 'Cracktrader [^ ]* is running' "$work/server.log" | head -n 1 | awk '{print $2}')"
echo "idle RSS: ${idle_rss} MB (VmRSS 1 s after the first 200)"
echo "size:     ${size_mb} MB ($size_bytes bytes)"

# ---------------------------------------------------------------- 1. idle throughput
section "1. wrk -t2 -c64 -d${duration}s --latency /api/v1/status, server idle"
run_wrk "$work/wrk-idle.txt"
idle_rps=$wrk_rps; idle_p50=$wrk_p50; idle_p99=$wrk_p99; idle_errors=$wrk_errors
echo "requests/s: $idle_rps   p50: ${idle_p50} ms   p99: ${idle_p99} ms   ($idle_errors)"
echo "targets:    ≥ 40000 req/s [$(verdict "$idle_rps" ">=" 40000)], p99 < 5 ms [$(verdict "$idle_p99" "<" 5)]"

# ---------------------------------------------------------------- 3. backtest time (before 2, so run 1 is cold)
section "3. POST /run/backtest (1m sim, $bt_start..2024-12-31) → status completed, polled every 20 ms"
timeout "$(budget 75)" python3 "$helper" backtest-time "$port" --timeout 30 --start-date "$bt_start" > "$work/bt.kv" \
    || die "backtest timing failed"
load_kv "$work/bt.kv"
echo "run 1 (cold): ${r_bt1_seconds} s for ${r_bt1_bars} bars (${r_bt1_bars_per_s} bars/s; server runtime ${r_bt1_server_runtime_s} s)"
echo "run 2 (warm): ${r_bt2_seconds} s for ${r_bt2_bars} bars (${r_bt2_bars_per_s} bars/s; server runtime ${r_bt2_server_runtime_s} s)"
[[ -n "${r_bt_note:-}" ]] && echo "NOTE: ${r_bt_note}"
echo "target:       < 2 s  [cold $(verdict "$r_bt1_seconds" "<" 2), warm $(verdict "$r_bt2_seconds" "<" 2)]"
bt_start_used="${r_bt_start_date:-$bt_start}"

# ---------------------------------------------------------------- 2. throughput while backtests run
section "2. wrk as in 1 while million-bar backtests run back to back (reset + start + wait, in a loop)"
timeout "$(budget $(( duration + 20 )))" \
    wrk -t2 -c64 -d"${duration}s" --latency "http://127.0.0.1:$port/api/v1/status" > "$work/wrk-busy.txt" 2>&1 &
wrk_pid=$!; bg_pids+=("$wrk_pid")
sleep 0.2   # wrk is connected; now make the server busy for the rest of the window
timeout "$(budget $(( duration + 40 )))" \
    python3 "$helper" backtest-loop "$port" --duration "$(awk -v d="$duration" 'BEGIN {print d - 0.3}')" \
    --start-date "$bt_start_used" > "$work/loop.kv" &
loop_pid=$!; bg_pids+=("$loop_pid")
wait "$wrk_pid" || die "wrk failed: $(tail -n 5 "$work/wrk-busy.txt")"
wait "$loop_pid" || die "the backtest loop failed"
wrk_rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$work/wrk-busy.txt")
wrk_p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$work/wrk-busy.txt")")
busy_rps=$wrk_rps; busy_p99=$wrk_p99
load_kv "$work/loop.kv"
echo "requests/s: $busy_rps   p99: ${busy_p99} ms"
echo "backtests:  ${r_loop_runs_started} started, ${r_loop_runs_completed} completed in the window ($r_loop_bars bars)"
[[ -n "${r_loop_note:-}" ]] && echo "NOTE: ${r_loop_note}"
echo "target:     ≥ 10000 req/s [$(verdict "$busy_rps" ">=" 10000)]"

# ---------------------------------------------------------------- 4. WebSocket fan-out
section "4. $ws_clients WebSocket clients on /api/v1/ws/status, one backtest (30 days of 1h)"
ws_result="SKIPPED"
if (( ws_available )); then
    timeout "$(budget 90)" python3 "$helper" ws "$port" --clients "$ws_clients" --timeout 20 > "$work/ws.kv" \
        || die "the WebSocket test failed to run"
    load_kv "$work/ws.kv"
    ws_result="$r_ws_result"
    echo "connected:   $r_ws_connected/$r_ws_clients in ${r_ws_connect_s} s; snapshots (type status): $r_ws_snapshots after ${r_ws_snapshot_s} s"
    echo "run:         $r_ws_run_id ended $r_ws_run_status after $r_ws_run_bars bars; expected transitions $r_ws_expected"
    echo "clients with every transition: $r_ws_all_transitions/$r_ws_clients (saw the final status: $r_ws_saw_terminal; missing: $r_ws_missing)"
    echo "status_update per client: min $r_ws_updates_min, max $r_ws_updates_max; all messages per client: min $r_ws_messages_min, max $r_ws_messages_max"
    echo "sequences:   $r_ws_sequences"
    echo "fan-out:     ${r_ws_fanout_ms} ms between the first and the last client receiving the final status; client errors/server closes: $r_ws_errors"
    echo "$ws_result: $r_ws_all_transitions of $r_ws_clients clients received every status transition"
else
    echo "SKIPPED: python3 cannot import websockets (pip install websockets)"
fi

# ---------------------------------------------------------------- peak memory, stop
peak_rss=$(rss_mb "$server_pid" VmHWM)
end_rss=$(rss_mb "$server_pid" VmRSS)
kill -TERM "$server_pid"
server_exit=0
wait "$server_pid" || server_exit=$?
server_pid=""
(( server_exit == 0 )) || note "the server exited with status $server_exit on SIGTERM"

# ---------------------------------------------------------------- summary
section "Summary ($(basename "$binary"), ${duration}s wrk runs, $ws_clients WS clients, $(( SECONDS - t_begin )) s total)"
row() { printf '%-46s %-22s %-10s %s\n' "$@"; }
row "Measurement" "Result" "Target" "Verdict"
row "----------------------------------------------" "----------------------" "----------" "-------"
row "1. /status idle, requests/s" "$idle_rps" ">= 40000" "$(verdict "$idle_rps" ">=" 40000)"
row "1. /status idle, p99 latency" "${idle_p99} ms" "< 5 ms" "$(verdict "$idle_p99" "<" 5)"
row "2. /status during backtests, requests/s" "$busy_rps" ">= 10000" "$(verdict "$busy_rps" ">=" 10000)"
row "2. /status during backtests, p99 latency" "${busy_p99} ms" "-" "-"
row "3. backtest ${r_bt1_bars} bars -> completed, cold" "${r_bt1_seconds} s" "< 2 s" "$(verdict "$r_bt1_seconds" "<" 2)"
row "3. backtest ${r_bt2_bars} bars -> completed, warm" "${r_bt2_seconds} s" "< 2 s" "$(verdict "$r_bt2_seconds" "<" 2)"
if (( ws_available )); then
    row "4. WS clients with every transition" "$r_ws_all_transitions/$r_ws_clients" "all" "$ws_result"
    row "4. WS status_update per client (min/max)" "$r_ws_updates_min/$r_ws_updates_max" "-" "-"
else
    row "4. WS clients with every transition" "-" "all" "SKIPPED"
fi
row "5. binary size" "${size_mb} MB" "-" "-"
row "5. start-up to first 200 /health (median)" "${r_startup_ms_median} ms" "-" "-"
row "5. idle RSS" "${idle_rss} MB" "-" "-"
row "   RSS at the end / peak (VmHWM)" "${end_rss} / ${peak_rss} MB" "-" "-"
