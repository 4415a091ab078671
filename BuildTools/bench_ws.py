#!/usr/bin/env python3
"""Helpers for BuildTools/bench-api.sh (standard library only, except `ws`, which needs `websockets`).

Subcommands (each prints `key=value` lines on stdout for the shell script; diagnostics go to stderr):

  port                          a free TCP port on 127.0.0.1
  startup BINARY [--runs N]     start BINARY N times on a fresh data dir; ms from spawn to the first
                                200 on /api/v1/health (polled every 5 ms); each instance is stopped
  wait-health PORT [--timeout]  wait for the first 200 on /api/v1/health
  backtest-time PORT            time POST /run/backtest → status "completed" (poll every 20 ms), twice
  backtest-loop PORT            reset + start + wait, over and over, for --duration seconds
  ws PORT                       N WebSocket clients must each see every status transition of one run

Every request goes to 127.0.0.1 directly (proxy variables are ignored).
"""
import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import shutil
import time
import urllib.error
import urllib.request

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

BIG_BACKTEST = {
    "strategy_name": "MovingAverageCross",
    "symbols": ["BTC/USDT"],
    "timeframe": "1m",
    "exchange": "sim",
    "start_date": "2023-01-01T00:00:00Z",
    "end_date": "2024-12-31T00:00:00Z",
    "initial_cash": 10000,
}
# Fallback ranges (same end date) if the server refuses the full range with INVALID_DATE_RANGE.
FALLBACK_STARTS = ["2024-01-01T00:00:00Z", "2024-07-01T00:00:00Z", "2024-10-01T00:00:00Z"]

SMALL_BACKTEST = {
    "strategy_name": "MovingAverageCross",
    "symbols": ["BTC/USDT"],
    "timeframe": "1h",
    "exchange": "sim",
    "start_date": "2024-06-01T00:00:00Z",
    "end_date": "2024-07-01T00:00:00Z",
    "initial_cash": 10000,
}

TERMINAL = {"completed", "failed", "stopped"}


def log(*args):
    print("bench_ws:", *args, file=sys.stderr, flush=True)


def emit(**kv):
    for k, v in kv.items():
        print(f"{k}={v}", flush=True)


class HTTPFail(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body[:300]}")
        self.status = status
        self.body = body


def request(port, method, path, body=None, timeout=10.0):
    url = f"http://127.0.0.1:{port}{path}"
    data = None
    headers = {}
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with OPENER.open(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as e:
        text = e.read().decode(errors="replace")
        try:
            return e.code, json.loads(text)
        except ValueError:
            return e.code, {"raw": text}


def status(port):
    code, doc = request(port, "GET", "/api/v1/status")
    if code != 200:
        raise HTTPFail(code, json.dumps(doc))
    return doc


def reset(port, timeout=30.0):
    """DELETE /run/reset, waiting out an active run (409 RUN_ACTIVE)."""
    deadline = time.monotonic() + timeout
    while True:
        code, doc = request(port, "DELETE", "/api/v1/run/reset")
        if code == 200:
            return
        if code != 409 or time.monotonic() > deadline:
            raise HTTPFail(code, json.dumps(doc))
        time.sleep(0.02)


def start_backtest(port, body):
    code, doc = request(port, "POST", "/api/v1/run/backtest", body)
    if code != 200:
        raise HTTPFail(code, json.dumps(doc))
    return doc


def wait_terminal(port, run_id, timeout, interval=0.02):
    deadline = time.monotonic() + timeout
    while True:
        doc = status(port)
        if doc.get("run_id") == run_id and doc.get("status") in TERMINAL:
            return doc
        if time.monotonic() > deadline:
            raise TimeoutError(f"run {run_id} not finished after {timeout:.0f} s (status {doc.get('status')}, "
                               f"{doc.get('bars_processed')}/{doc.get('total_bars')} bars)")
        time.sleep(interval)


def big_body(args):
    body = dict(BIG_BACKTEST)
    if getattr(args, "start_date", None):
        body["start_date"] = args.start_date
    return body


def start_big(port, args):
    """Starts the big backtest; falls back to a shorter range if the server refuses it as too large."""
    body = big_body(args)
    requested = f"{body['start_date']}..{body['end_date']}"
    try:
        return body, start_backtest(port, body), None
    except HTTPFail as e:
        if e.status != 400 or "INVALID_DATE_RANGE" not in e.body:
            raise
        refusal = e.body
    for start in FALLBACK_STARTS:
        body = dict(body, start_date=start)
        try:
            doc = start_backtest(port, body)
            return body, doc, f"server refused {requested} ({refusal[:200]}); used start_date={start}"
        except HTTPFail as e:
            if e.status != 400 or "INVALID_DATE_RANGE" not in e.body:
                raise
    raise SystemExit("bench_ws: the server refused every backtest range as too large")


# ---------------------------------------------------------------- subcommands

def cmd_port(args):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def health_ok(port):
    try:
        with OPENER.open(f"http://127.0.0.1:{port}/api/v1/health", timeout=1.0) as resp:
            return resp.status == 200
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


def cmd_wait_health(args):
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if health_ok(args.port):
            return
        time.sleep(0.01)
    raise SystemExit(f"bench_ws: no 200 from /api/v1/health on port {args.port} within {args.timeout} s")


def cmd_startup(args):
    """Spawns the server N times (fresh data dir each time, so the database is created as on a first
    start) and measures spawn → first 200 on /api/v1/health, polling every 5 ms."""
    times = []
    for i in range(args.runs):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        work = tempfile.mkdtemp(prefix="bench-startup-")
        logf = open(os.path.join(work, "server.log"), "wb")
        t0 = time.monotonic()
        proc = subprocess.Popen([args.binary, "serve", "--port", str(port), "--data-dir", os.path.join(work, "data")],
                                stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            while True:
                if health_ok(port):
                    times.append((time.monotonic() - t0) * 1000)
                    break
                if proc.poll() is not None:
                    logf.flush()
                    raise SystemExit(f"bench_ws: server exited with {proc.returncode} during start-up: "
                                     + open(os.path.join(work, "server.log")).read()[-500:])
                if time.monotonic() - t0 > args.timeout:
                    raise SystemExit(f"bench_ws: server not healthy within {args.timeout} s")
                time.sleep(0.005)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            logf.close()
            shutil.rmtree(work, ignore_errors=True)
    emit(startup_runs=args.runs,
         startup_ms_min=f"{min(times):.1f}",
         startup_ms_median=f"{statistics.median(times):.1f}",
         startup_ms_all=",".join(f"{t:.1f}" for t in times))


def cmd_backtest_time(args):
    port = args.port
    note = None
    for n in (1, 2):
        reset(port)
        t0 = time.monotonic()
        if n == 1:
            body, doc, note = start_big(port, args)
        else:
            doc = start_backtest(port, body)
        final = wait_terminal(port, doc["run_id"], args.timeout)
        elapsed = time.monotonic() - t0
        if final["status"] != "completed":
            raise SystemExit(f"bench_ws: backtest ended {final['status']}: {final.get('error')}")
        emit(**{f"bt{n}_seconds": f"{elapsed:.3f}", f"bt{n}_bars": final.get("bars_processed"),
                f"bt{n}_bars_per_s": f"{final.get('bars_processed', 0) / elapsed:.0f}",
                f"bt{n}_server_runtime_s": final.get("runtime_seconds")})
    reset(port)
    emit(bt_start_date=body["start_date"], bt_end_date=body["end_date"])
    if note:
        emit(bt_note=note.replace("\n", " "))


def cmd_backtest_loop(args):
    """Keeps the server busy with big backtests for `duration` seconds (reset, start, wait)."""
    port = args.port
    deadline = time.monotonic() + args.duration
    runs = completed = 0
    bars = 0
    note = None
    body = None
    t0 = time.monotonic()
    while time.monotonic() < deadline:
        reset(port)
        if body is None:
            body, doc, note = start_big(port, args)
        else:
            doc = start_backtest(port, body)
        runs += 1
        # Stop polling at the window's end: the run in flight is left to finish on its own.
        while True:
            st = status(port)
            if st.get("run_id") == doc["run_id"] and st.get("status") in TERMINAL:
                if st["status"] == "completed":
                    completed += 1
                    bars += st.get("bars_processed") or 0
                break
            if time.monotonic() > deadline:
                break
            time.sleep(args.interval)
    elapsed = time.monotonic() - t0
    emit(loop_runs_started=runs, loop_runs_completed=completed, loop_bars=bars, loop_seconds=f"{elapsed:.2f}")
    if note:
        emit(loop_note=note.replace("\n", " "))


async def ws_main(args):
    try:
        from websockets.asyncio.client import connect
    except ImportError:
        raise SystemExit("bench_ws: the `websockets` package is missing (pip install websockets)")

    port = args.port
    uri = f"ws://127.0.0.1:{port}/api/v1/ws/status"
    origin = f"http://127.0.0.1:{port}"
    n = args.clients

    class Client:
        __slots__ = ("i", "ws", "snapshot", "updates", "messages", "closed", "error", "terminal_at")

        def __init__(self, i):
            self.i = i
            self.ws = None
            self.snapshot = asyncio.Event()
            self.updates = []      # (status, run_id) of every status_update
            self.messages = 0      # every message after the snapshot
            self.closed = None
            self.error = None
            self.terminal_at = None

    clients = [Client(i) for i in range(n)]

    async def reader(c):
        try:
            async for raw in c.ws:
                msg = json.loads(raw)
                t = msg.get("type")
                if t == "status":
                    c.snapshot.set()
                    continue
                c.messages += 1
                if t == "status_update":
                    p = msg.get("payload") or {}
                    c.updates.append((p.get("status"), p.get("run_id")))
                    if p.get("status") in TERMINAL and c.terminal_at is None:
                        c.terminal_at = time.monotonic()
            c.closed = f"closed by server: {c.ws.close_code} {c.ws.close_reason}"
        except Exception as e:  # noqa: BLE001 - reported per client
            c.error = f"{type(e).__name__}: {e}"

    # Connect in waves so the listen backlog is never the bottleneck.
    sem = asyncio.Semaphore(args.connect_parallel)
    tasks = []

    async def open_one(c):
        async with sem:
            try:
                c.ws = await connect(uri, origin=origin, compression=None, proxy=None, ping_interval=None,
                                     open_timeout=args.timeout, max_queue=None, user_agent_header=None)
            except Exception as e:  # noqa: BLE001
                c.error = f"connect: {type(e).__name__}: {e}"
                return
            tasks.append(asyncio.create_task(reader(c)))

    reset(port)  # a finished run from earlier steps must not be the one we watch
    t0 = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*(open_one(c) for c in clients)), args.timeout + 5)
    connected = [c for c in clients if c.ws is not None]
    connect_s = time.monotonic() - t0
    try:
        await asyncio.wait_for(asyncio.gather(*(c.snapshot.wait() for c in connected)), args.timeout)
    except asyncio.TimeoutError:
        pass
    snap_s = time.monotonic() - t0
    with_snapshot = sum(1 for c in connected if c.snapshot.is_set())
    log(f"{len(connected)}/{n} connected in {connect_s:.2f} s; {with_snapshot} snapshots after {snap_s:.2f} s")

    # The run everyone must see, from start to end.
    doc = await asyncio.to_thread(start_backtest, port, SMALL_BACKTEST)
    run_id = doc["run_id"]
    final = await asyncio.to_thread(wait_terminal, port, run_id, args.timeout)
    t_done = time.monotonic()
    # Give the fan-out time to reach everyone: until every client saw a terminal status (or the
    # timeout), then the settle time for anything after it.
    limit = t_done + args.timeout
    while time.monotonic() < limit and any(c.terminal_at is None and c.error is None and c.closed is None for c in connected):
        await asyncio.sleep(0.02)
    await asyncio.sleep(args.settle)
    terminal_times = [c.terminal_at for c in connected if c.terminal_at]
    # Errors and server-side closes before we close the clients ourselves.
    errors = [c.error or c.closed for c in clients if c.error or c.closed]

    for c in connected:
        await c.ws.close()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    # Compare: the expected transitions are the distinct statuses the run passed through.
    expected = ["starting", "running", final["status"]]
    def collapsed(c):
        seq = []
        for st, rid in c.updates:
            if rid != run_id:
                continue
            if not seq or seq[-1] != st:
                seq.append(st)
        return seq

    all_ok = 0
    missing = {}
    sequences = {}
    for c in connected:
        seq = collapsed(c)
        sequences[tuple(seq)] = sequences.get(tuple(seq), 0) + 1
        if all(s in seq for s in expected) and seq[-1] == final["status"]:
            all_ok += 1
        else:
            for s in expected:
                if s not in seq:
                    missing[s] = missing.get(s, 0) + 1
    counts = [len(c.updates) for c in connected] or [0]
    msgs = [c.messages for c in connected] or [0]
    saw_terminal = sum(1 for c in connected if any(st == final["status"] and rid == run_id for st, rid in c.updates))
    passed = all_ok == n
    emit(ws_clients=n, ws_connected=len(connected), ws_snapshots=with_snapshot,
         ws_connect_s=f"{connect_s:.2f}", ws_snapshot_s=f"{snap_s:.2f}",
         ws_run_id=run_id, ws_run_status=final["status"], ws_run_bars=final.get("bars_processed"),
         ws_expected="/".join(expected),
         ws_all_transitions=all_ok, ws_saw_terminal=saw_terminal,
         ws_missing=",".join(f"{k}:{v}" for k, v in sorted(missing.items())) or "none",
         ws_updates_min=min(counts), ws_updates_max=max(counts),
         ws_messages_min=min(msgs), ws_messages_max=max(msgs),
         ws_fanout_ms=f"{(max(terminal_times) - min(terminal_times)) * 1000:.0f}" if terminal_times else "n/a",
         ws_errors=len(errors),
         ws_sequences=" | ".join(f"{'>'.join(k) or '(none)'} x{v}" for k, v in sorted(sequences.items(), key=lambda kv: -kv[1])),
         ws_result="PASS" if passed else "FAIL")
    if errors:
        log(f"first client errors: {errors[:3]}")
    reset(port)


def cmd_ws(args):
    asyncio.run(ws_main(args))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("port").set_defaults(fn=cmd_port)

    p = sub.add_parser("wait-health")
    p.add_argument("port", type=int)
    p.add_argument("--timeout", type=float, default=30)
    p.set_defaults(fn=cmd_wait_health)

    p = sub.add_parser("startup")
    p.add_argument("binary")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--timeout", type=float, default=20)
    p.set_defaults(fn=cmd_startup)

    p = sub.add_parser("backtest-time")
    p.add_argument("port", type=int)
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--start-date")
    p.set_defaults(fn=cmd_backtest_time)

    p = sub.add_parser("backtest-loop")
    p.add_argument("port", type=int)
    p.add_argument("--duration", type=float, required=True)
    p.add_argument("--interval", type=float, default=0.05)
    p.add_argument("--start-date")
    p.set_defaults(fn=cmd_backtest_loop)

    p = sub.add_parser("ws")
    p.add_argument("port", type=int)
    p.add_argument("--clients", type=int, default=1000)
    p.add_argument("--connect-parallel", type=int, default=100)
    p.add_argument("--timeout", type=float, default=20)
    p.add_argument("--settle", type=float, default=0.3)
    p.set_defaults(fn=cmd_ws)

    args = ap.parse_args()
    try:
        args.fn(args)
    except HTTPFail as e:
        raise SystemExit(f"bench_ws: {args.cmd}: {e}")
    except TimeoutError as e:
        raise SystemExit(f"bench_ws: {args.cmd}: {e}")
    except (urllib.error.URLError, ConnectionError) as e:
        raise SystemExit(f"bench_ws: {args.cmd}: cannot reach the server: {e}")


if __name__ == "__main__":
    main()
