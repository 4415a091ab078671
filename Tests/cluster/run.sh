#!/usr/bin/env bash
# The Dask launcher's test (issue 13, item 5): a scheduler and two workers on 127.0.0.1, a
# walk-forward sweep with an injected transient failure, a killed worker and permanent failures,
# and the merged result byte-identical to the local `cracktrader sweep --json`. About a minute.
#
# Usage: Tests/cluster/run.sh [path/to/cracktrader]   (default: dist/cracktrader, then .build/debug/cracktrader)
# Needs: python3 -m pip install -r Cluster/dask/requirements.txt
set -euo pipefail
cd "$(dirname "$0")/../.."
binary="${1:-}"
if [[ -z "$binary" ]]; then
    for candidate in dist/cracktrader .build/debug/cracktrader; do
        [[ -x "$candidate" ]] && binary="$candidate" && break
    done
fi
[[ -n "$binary" && -x "$binary" ]] || { echo "cluster/run.sh: no cracktrader binary (build one or pass its path)" >&2; exit 2; }
export CRACKTRADER_BIN="$(realpath "$binary")"
# The dask CLI must be the one of the interpreter that has the pinned distributed.
export PATH="$(python3 -c 'import sys, os; print(os.path.dirname(sys.executable))'):$PATH"
exec python3 -m pytest -q -p no:cacheprovider Tests/cluster/test_dask_sweep.py
