"""The Dask launcher against a real two-worker cluster on 127.0.0.1 (issue 13, item 5).

A walk-forward sweep (2 sim symbols × 3 folds, 284 cells) runs through
Cluster/dask/cracktrader_dask.py with, in its first stage, one transient failure (a shard exits 75
once), one killed worker (a shard SIGKILLs its Dask worker process once) and permanent failures
(the point fast_period == slow_period == 20, which MovingAverageCross rejects: exit 65 with the
shard written). The merged document must be byte-identical to `cracktrader sweep CONFIG --json`
run here, the transient and killed shards must have run exactly twice and every other shard
exactly once. Everything listens on and talks to 127.0.0.1 only; every process started here is
ended by its id (its process group) and checked gone.

Needs CRACKTRADER_BIN (Tests/cluster/run.sh sets it) and `pip install -r Cluster/dask/requirements.txt`.
"""
import hashlib
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

import psutil
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
LAUNCHER = ROOT / "Cluster" / "dask" / "cracktrader_dask.py"
BINARY = os.environ.get("CRACKTRADER_BIN", "")
SHARDS = 8

CONFIG = {
    "strategy": "MovingAverageCross", "symbols": ["BTC/USDT", "ETH/USDT"], "timeframe": "1h",
    "exchange": "sim", "start": "2024-01-01", "end": "2024-03-21",
    "initial_cash": 10000, "commission": 0.001,
    # 9 × 5 = 45 points; no constraint, so (20, 20) runs and fails in the strategy (a permanent
    # failure per symbol and fold).
    "parameters": {"fast_period": {"from": 4, "to": 20, "step": 2}, "slow_period": [20, 25, 30, 40, 50],
                   "stake": 1},
    "search": {"method": "grid"}, "objective": "sharpe_ratio",
    # 80 days − 20 d holdout = 60 d: folds with test windows ending at 40, 50, 60 d → 3 folds.
    "walk_forward": {"mode": "rolling", "train": "30d", "test": "10d", "step": "10d", "holdout": "20d", "top_k": 2},
}
# 45 points × 2 symbols × 3 folds in sample + 2 × 2 × 3 out of sample + 2 holdout cells.
EXPECTED_CELLS = 270 + 12 + 2

WRAPPER = """#!/usr/bin/env bash
# cracktrader as the Dask workers see it in this test: counts every `sweep run` attempt per
# (plan, shard) and injects the first-attempt faults, then runs the real binary.
set -u
markers={markers}
plan="" shard=""
args=("$@")
for ((i = 0; i < ${{#args[@]}}; i++)); do
    case "${{args[i]}}" in
        --plan) plan="${{args[i+1]}}" ;;
        --shard) shard="${{args[i+1]}}" ;;
    esac
done
if [[ "${{1:-}} ${{2:-}}" == "sweep run" ]]; then
    stage="$(sha256sum "$plan" | cut -c1-16)"
    echo "$$ $PPID" >>"$markers/attempt-$stage-$shard"
    if [[ "$shard" == {transient} ]] && mkdir "$markers/transient-fired" 2>/dev/null; then
        exit 75
    fi
    if [[ "$shard" == {killed} ]] && mkdir "$markers/kill-fired" 2>/dev/null; then
        # Our parent is the Dask worker process running this task (its nanny restarts it).
        echo "$PPID $(ps -o ppid= -p "$PPID")" >"$markers/killed"
        # First let the launcher fetch the results this worker already holds: Dask recomputes a
        # result lost with its worker (a recompute, not a retry), which would blur the counts.
        sleep 2
        kill -KILL "$PPID"
        exit 1
    fi
fi
exec {real} "$@"
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Processes:
    """Processes started in their own sessions, so each group can be ended by the leader's pid."""

    def __init__(self):
        self.started: list[subprocess.Popen] = []
        self.seen: set[int] = set()

    def start(self, command, log: pathlib.Path, env=None) -> subprocess.Popen:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=open(log, "wb"),
                                   stderr=subprocess.STDOUT, start_new_session=True, env=env)
        self.started.append(process)
        return process

    def tree(self) -> list[psutil.Process]:
        """Every live process we started and their descendants (nannies' workers, shard runs)."""
        found = []
        for process in self.started:
            try:
                leader = psutil.Process(process.pid)
                found += [leader, *leader.children(recursive=True)]
            except psutil.NoSuchProcess:
                pass
        self.seen.update(p.pid for p in found)
        return found

    def stop(self) -> None:
        self.tree()
        for process in reversed(self.started):
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        for process in self.started:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for process in self.started:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()

    def remaining(self) -> list[int]:
        """Pids we saw that are still alive as members of one of our process groups (after
        giving the SIGKILLed non-leaders a moment to be reaped)."""
        groups = {process.pid for process in self.started}
        deadline = time.monotonic() + 10
        while True:
            alive = []
            for pid in self.seen:
                try:
                    if os.getpgid(pid) in groups and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                        alive.append(pid)
                except (ProcessLookupError, psutil.NoSuchProcess):
                    pass
            if not alive or time.monotonic() > deadline:
                return sorted(alive)
            time.sleep(0.1)


def wait_for_workers(address: str, count: int) -> None:
    from distributed import Client
    with Client(address, timeout=30) as client:
        client.wait_for_workers(count, timeout=60)


def assert_loopback_only(processes: Processes) -> list[str]:
    """Every socket of every process we started listens on / talks to 127.0.0.1 only."""
    checked = []
    for process in processes.tree():
        try:
            connections = process.net_connections(kind="inet")
        except psutil.NoSuchProcess:
            continue
        for connection in connections:
            if connection.status == psutil.CONN_LISTEN:
                assert connection.laddr.ip == "127.0.0.1", f"pid {process.pid} listens on {connection.laddr}"
                checked.append(f"{process.pid} {connection.laddr.ip}:{connection.laddr.port}")
            if connection.raddr:
                assert connection.raddr.ip == "127.0.0.1", f"pid {process.pid} talks to {connection.raddr}"
            if connection.laddr:
                # Never a wildcard address, not even for a socket that does not listen.
                assert connection.laddr.ip == "127.0.0.1", f"pid {process.pid} bound to {connection.laddr}"
    return checked


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A scheduler and two one-thread workers (with nannies) on 127.0.0.1."""
    work = tmp_path_factory.mktemp("dask-cluster")
    processes = Processes()
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ)
    try:
        processes.start(["dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
                         "--no-dashboard", "--dashboard-address", "127.0.0.1:0"], work / "scheduler.log", env)
        for index in range(2):
            processes.start(["dask", "worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                             "--worker-port", str(free_port()), "--nanny-port", str(free_port()),
                             "--no-dashboard", "--dashboard-address", "127.0.0.1:0", "--local-directory", str(work / f"worker-{index}"),
                             "--name", f"worker-{index}", "--death-timeout", "60"],
                            work / f"worker-{index}.log", env)
        wait_for_workers(address, 2)
        listening = assert_loopback_only(processes)
        # The scheduler, two nannies and two workers, each with its HTTP server (health, metrics —
        # there even with --no-dashboard, hence --dashboard-address): all on 127.0.0.1.
        assert len(listening) >= 5, listening
        yield address, processes, work
    finally:
        processes.stop()
        left = processes.remaining()
        assert left == [], f"processes still running: {left}"


@pytest.mark.skipif(not BINARY, reason="set CRACKTRADER_BIN (Tests/cluster/run.sh does)")
def test_dask_sweep_matches_local_with_faults(cluster, tmp_path):
    address, processes, cluster_dir = cluster
    config = tmp_path / "sweep.json"
    config.write_text(json.dumps(CONFIG, indent=1))
    env = dict(os.environ)

    # The local sweep: the reference bytes.
    local = subprocess.run([BINARY, "sweep", str(config), "--json", "--quiet", "--jobs", "2"],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=300)
    assert local.returncode == 0, local.stderr.decode()
    reference = local.stdout
    document = json.loads(reference)
    assert len(document["cells"]) == EXPECTED_CELLS
    failed_cells = [cell for cell in document["cells"] if cell["status"] == "failed"]
    assert len(failed_cells) == 6 and all(cell["parameters"]["fast_period"] == 20 and cell["parameters"]["slow_period"] == 20 for cell in failed_cells)

    # The first stage's plan, as the launcher will ask for it: which shards hold failing cells.
    plan_path = tmp_path / "plan-1.json"
    asked = subprocess.run([BINARY, "sweep", "ask", str(config), "--shards", str(SHARDS), "-o", str(plan_path)],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    assert asked.returncode == 0, asked.stderr.decode()
    plan = json.loads(plan_path.read_bytes())
    assert len(plan["cells"]) == 270
    failing = sorted({cell["shard"] for cell in plan["cells"]
                      if cell["parameters"]["fast_period"] >= cell["parameters"]["slow_period"]})
    healthy = [shard for shard in range(SHARDS) if shard not in failing]
    assert len(healthy) >= 2, f"every shard holds a failing cell: {failing}"
    transient, killed = healthy[0], healthy[-1]
    stage1 = hashlib.sha256(plan_path.read_bytes()).hexdigest()[:16]

    markers = tmp_path / "markers"
    markers.mkdir()
    wrapper = tmp_path / "cracktrader-faulty"
    wrapper.write_text(WRAPPER.format(markers=markers, transient=transient, killed=killed, real=BINARY))
    wrapper.chmod(0o755)

    workdir = tmp_path / "launch"
    output = tmp_path / "merged.json"
    started = time.monotonic()
    launch = processes.start([sys.executable, str(LAUNCHER), str(config), "--scheduler", address,
                              "--binary", str(wrapper), "--local-binary", BINARY, "--shards", str(SHARDS),
                              "--jobs", "1", "--workdir", str(workdir), "-o", str(output)],
                             tmp_path / "launcher.log", env)
    # While shards run, the launcher's connections too must stay on 127.0.0.1.
    while launch.poll() is None and time.monotonic() - started < 240:
        assert_loopback_only(processes)
        time.sleep(0.5)
    status = launch.wait(timeout=30)
    log = (tmp_path / "launcher.log").read_text()
    print(log)
    assert status == 0, log

    # Byte-identical to the local sweep.
    assert output.read_bytes() == reference
    assert (workdir / "plan-1.json").read_bytes() == plan_path.read_bytes()

    # Attempts per first-stage shard: the transient and the killed shard twice, all others once —
    # in particular the shards with deterministically failed cells (exit 65) were not retried.
    attempts = {shard: len((markers / f"attempt-{stage1}-{shard}").read_text().splitlines())
                for shard in range(SHARDS)}
    expected = {shard: 2 if shard in (transient, killed) else 1 for shard in range(SHARDS)}
    assert attempts == expected, (attempts, transient, killed, failing)
    assert failing and all(f"shard {shard} done" in log and "not retried" in log for shard in failing)
    assert f"stage 1: shard {transient} exit 75" in log
    # The killed process was a Dask worker — the child of one of our two nannies — and it is gone.
    killed_pid, nanny_pid = map(int, (markers / "killed").read_text().split())
    assert nanny_pid in {process.pid for process in processes.started[1:3]}
    assert not psutil.pid_exists(killed_pid) or psutil.Process(killed_pid).status() == psutil.STATUS_ZOMBIE
    # Later stages (out of sample, holdout) ran each shard once.
    later = [path for path in markers.glob("attempt-*") if not path.name.startswith(f"attempt-{stage1}-")]
    assert later and all(len(path.read_text().splitlines()) == 1 for path in later)
    print(f"launcher: {time.monotonic() - started:.1f}s; failing shards {failing}, transient {transient}, killed {killed}")
