#!/usr/bin/env bash
# Fault injection against a real binary (issue 12, item 6): kill -9 during backtests and paper
# runs, slowloris, oversized and chunked bodies, storage faults (injected, and a real full or
# read-only tmpfs where it can be mounted), a WebSocket client that never reads. About 1–2 min.
#
# Usage: Tests/e2e/faults.sh [path/to/cracktrader]   (default: dist/cracktrader, then .build/debug/cracktrader)
# Env:   FAULTS_SEED, FAULTS_KILL_ITERATIONS, FAULTS_ONLY (see Tests/e2e/faults.py)
set -euo pipefail
cd "$(dirname "$0")/../.."
binary="${1:-}"
if [[ -z "$binary" ]]; then
    for candidate in dist/cracktrader .build/debug/cracktrader; do
        [[ -x "$candidate" ]] && binary="$candidate" && break
    done
fi
[[ -n "$binary" && -x "$binary" ]] || { echo "faults.sh: no cracktrader binary (build one or pass its path)" >&2; exit 2; }
exec python3 Tests/e2e/faults.py "$binary"
