#!/usr/bin/env python3
"""Fault injection against a real cracktrader binary (issue 12, item 6). Standard library only.

Usage: faults.py BINARY   (run by Tests/e2e/faults.sh; see Tests/e2e/README.md)

Scenarios, each printing one PASS/FAIL line:
  kill9        kill -9 at seeded random moments of backtests and paper runs on sim; after every
               restart each order, trade and fill the API had acknowledged is stored, the run is
               failed/interrupted (or completed, if it finished first), `db check` is ok, and no
               earlier run changed.
  slowloris    200 connections send a request head one byte at a time; a normal request succeeds
               meanwhile and every slow connection is closed by the head timeout.
  bodies       an oversized body with Content-Length and a chunked one are both 413
               PAYLOAD_TOO_LARGE in the envelope with Connection: close.
  inject       CRACKTRADER_FAULT_INJECT (test-only hidden variable): while the flag file exists
               writes are 503 STORAGE_UNAVAILABLE, reads 200; removing it recovers, no restart.
  tmpfs        (root and `mount -t tmpfs` allowed) the data directory on a 6 MiB tmpfs: a really full
               disk, then a read-only remount — 503 STORAGE_UNAVAILABLE, reads 200, recovery once
               space (or write access) returns. Skipped, with a line saying so, where not mountable.
  websocket    a WebSocket client that never reads while runs flood events: the server keeps
               answering, its memory stays bounded.

Env: FAULTS_SEED (default 12), FAULTS_KILL_ITERATIONS (default 6), FAULTS_ONLY (comma list).
"""
import errno
import http.client
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

BINARY = os.path.realpath(sys.argv[1]) if len(sys.argv) > 1 else "dist/cracktrader"
SEED = int(os.environ.get("FAULTS_SEED", "12"))
KILL_ITERATIONS = int(os.environ.get("FAULTS_KILL_ITERATIONS", "6"))
ONLY = set(filter(None, os.environ.get("FAULTS_ONLY", "").split(",")))

PAPER = {"strategy_name": "MovingAverageCross", "strategy_params": {"fast_period": 2, "slow_period": 3},
         "symbols": ["BTC/USDT"], "timeframe": "1m", "mode": "paper", "speed": 6000}
# About 260k one-minute bars: a backtest that runs for a few seconds on a debug build.
BACKTEST = {"strategy_name": "MovingAverageCross", "strategy_params": {"fast_period": 2, "slow_period": 3},
            "symbols": ["BTC/USDT"], "timeframe": "1m", "start": "2023-07-01T00:00:00Z", "end": "2023-12-31T00:00:00Z"}
SMALL_BACKTEST = {"strategy_name": "MovingAverageCross", "symbols": ["BTC/USDT"], "timeframe": "1h",
                  "start": "2024-01-01T00:00:00Z", "end": "2024-01-10T00:00:00Z"}


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Server:
    """`cracktrader serve` on 127.0.0.1 and a free port; stopped by its pid only."""

    def __init__(self, data_dir, extra=(), env=None):
        self.log_path = data_dir.rstrip("/") + ".log"
        self.log = open(self.log_path, "ab")
        environment = dict(os.environ)
        environment.update(env or {})
        self.process = subprocess.Popen(
            [BINARY, "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", data_dir, "--offline",
             "--log-level", "warning", *extra],
            stdout=subprocess.PIPE, stderr=self.log, env=environment)
        self.port = None
        deadline = time.monotonic() + 60
        banner = b""
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            banner += line
            match = re.search(rb"127\.0\.0\.1:(\d+)/ui", line)
            if match:
                self.port = int(match.group(1))
                break
        if self.port is None:
            self.kill()
            raise Failure(f"server did not start: {banner!r}; log: {self.tail()}")
        # Keep draining stdout so the server never blocks on a full pipe.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()

    def tail(self):
        try:
            with open(self.log_path, "rb") as handle:
                return handle.read()[-2000:].decode(errors="replace")
        except OSError:
            return ""

    def request(self, method, path, body=None, headers=None, timeout=30):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            payload = json.dumps(body) if isinstance(body, (dict, list)) else body
            all_headers = {"Content-Type": "application/json"} if payload is not None else {}
            all_headers.update(headers or {})
            connection.request(method, path, body=payload, headers=all_headers)
            response = connection.getresponse()
            text = response.read().decode()
            try:
                document = json.loads(text) if text else None
            except ValueError:
                document = None
            return response.status, document, dict(response.getheaders())
        finally:
            connection.close()

    def get(self, path):
        status, document, _ = self.request("GET", path)
        check(status == 200, f"GET {path} answered {status}: {document}")
        return document

    def wait_status(self, wanted, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            document = self.get("/api/v1/status")
            if document["status"] in wanted:
                return document
            check(time.monotonic() < deadline, f"status stayed {document['status']}, wanted {wanted}")
            time.sleep(0.05)

    def kill(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.log.close()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGKILL)
                self.process.wait()
        self.log.close()

    def rss(self):
        with open(f"/proc/{self.process.pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def db_check(data_dir):
    result = subprocess.run([BINARY, "db", "check", "--data-dir", data_dir], capture_output=True, text=True)
    check(result.returncode == 0, f"db check failed ({result.returncode}): {result.stdout} {result.stderr}")
    check(result.stdout.strip().endswith(f"ok (quick_check, schema version {SCHEMA_VERSION})"), f"db check said {result.stdout!r}")


SCHEMA_VERSION = 6  # Migrations.latestVersion (6: sweeps)


def canonical(value):
    return json.dumps(value, sort_keys=True)


# MARK: kill -9

def scenario_kill9(work):
    rng = random.Random(SEED)
    data_dir = os.path.join(work, "kill9")
    finished = {}  # run id -> the stored document after its restart (must never change again)
    for iteration in range(KILL_ITERATIONS):
        mode = "paper" if iteration % 2 == 0 else "backtest"
        delay = rng.uniform(0.3, 3.0)
        server = Server(data_dir)
        acknowledged = None
        try:
            if mode == "paper":
                status, started, _ = server.request("POST", "/api/v1/run/live", PAPER)
            else:
                status, started, _ = server.request("POST", "/api/v1/run/backtest", BACKTEST)
            check(status == 200, f"start {mode} answered {status}: {started}")
            run_id = started["run_id"]
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline:
                status, document, _ = server.request("GET", f"/api/v1/runs/{run_id}?max_points=0")
                if status == 200:
                    acknowledged = document
                time.sleep(rng.uniform(0.0, 0.05))
        finally:
            server.kill()  # SIGKILL right after the last acknowledged read
        db_check(data_dir)
        restarted = Server(data_dir)
        try:
            status, stored, _ = restarted.request("GET", f"/api/v1/runs/{run_id}?max_points=0")
            check(status == 200, f"run {run_id} missing after restart: {status}")
            if stored["status"] == "completed":
                check(acknowledged is None or acknowledged["status"] in ("running", "completed"), "completed run acknowledged oddly")
            else:
                check(stored["status"] == "failed" and stored["error"] == "interrupted",
                      f"{mode} run {run_id} after kill: {stored['status']} / {stored.get('error')}")
            if acknowledged is not None and mode == "paper":
                stored_orders = {order["id"]: order for order in stored["orders"]}
                for order in acknowledged["orders"]:
                    check(order["id"] in stored_orders, f"acknowledged order {order['id']} of {run_id} lost")
                    if order["status"] in ("filled", "cancelled", "rejected", "expired"):
                        check(canonical(stored_orders[order["id"]]) == canonical(order),
                              f"order {order['id']} changed: {order} → {stored_orders[order['id']]}")
                ack_fills = acknowledged["fills"]
                check(canonical(stored["fills"][:len(ack_fills)]) == canonical(ack_fills), f"fills of {run_id} differ")
                stored_trades = {trade["id"] for trade in stored["trades"]}
                for trade in acknowledged["trades"]:
                    check(trade["id"] in stored_trades, f"acknowledged trade {trade['id']} of {run_id} lost")
            if mode == "backtest" and stored["status"] != "completed":
                check(stored["orders"] == [] and stored["trades"] == [], "an interrupted backtest kept orders")
            # Earlier runs are exactly as they were after their own restart.
            for earlier_id, earlier in finished.items():
                status, again, _ = restarted.request("GET", f"/api/v1/runs/{earlier_id}?max_points=0")
                check(status == 200 and canonical(again) == canonical(earlier), f"run {earlier_id} changed after a later crash")
            finished[run_id] = stored
            listed = restarted.get("/api/v1/runs?limit=100")
            check(listed["total"] == iteration + 1, f"{listed['total']} runs listed after {iteration + 1} crashes")
            counts = f"{len(stored['orders'])} orders, {len(stored['fills'])} fills" if mode == "paper" else stored["status"]
            print(f"  kill9 #{iteration + 1}: {mode} killed after {delay:.2f} s; {counts}; "
                  f"{len(acknowledged['orders']) if acknowledged else 0} orders acknowledged")
        finally:
            restarted.stop()
    return f"{KILL_ITERATIONS} kills (seed {SEED}), every acknowledged order, fill and trade found"


# MARK: slow and oversized requests

def scenario_slowloris(work):
    server = Server(os.path.join(work, "slowloris"), extra=["--request-head-timeout", "3"])
    sockets = []
    try:
        head = f"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nX-Padding: ".encode()
        for _ in range(200):
            client = socket.create_connection(("127.0.0.1", server.port))
            client.setblocking(False)
            sockets.append(client)
        opened = time.monotonic()
        open_sockets = set(sockets)
        normal_ok = False
        position = 0
        while open_sockets and time.monotonic() - opened < 10:
            for client in list(open_sockets):
                try:
                    client.send(head[position % len(head):position % len(head) + 1])
                except OSError:
                    open_sockets.discard(client)
            position += 1
            readable, _, _ = select.select(list(open_sockets), [], [], 0.1)
            for client in readable:
                try:
                    data = client.recv(65536)
                except OSError:
                    data = b""
                if not data or b"408" in data:
                    # 408 REQUEST_TIMEOUT then close; either way the server ended it.
                    open_sockets.discard(client)
            if not normal_ok and time.monotonic() - opened > 1:
                started = time.monotonic()
                status, document, _ = server.request("GET", "/api/v1/status", timeout=5)
                check(status == 200, f"normal request during slowloris answered {status}")
                normal_ok = True
                normal_seconds = time.monotonic() - started
        check(normal_ok, "the normal request was never made")
        check(not open_sockets, f"{len(open_sockets)} of 200 slow connections still open 10 s later")
        return f"normal request answered in {normal_seconds:.2f} s with 200 slow heads open; all closed by the 3 s head timeout"
    finally:
        for client in sockets:
            client.close()
        server.stop()


def read_response(client, timeout=10):
    client.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = client.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body[:length]


def scenario_bodies(work):
    server = Server(os.path.join(work, "bodies"))
    try:
        expected = {"error": {"code": "PAYLOAD_TOO_LARGE", "details": {"limit_bytes": 1048576},
                              "message": "request body is larger than 1048576 bytes"}}
        # Content-Length over the cap: refused unread.
        client = socket.create_connection(("127.0.0.1", server.port))
        client.sendall((f"POST /api/v1/run/backtest HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                        f"Content-Type: application/json\r\nContent-Length: {2 << 20}\r\n\r\n").encode() + b"{" + b" " * 65536)
        status, headers, body = read_response(client)
        client.close()
        check(status == 413 and json.loads(body) == expected, f"Content-Length body: {status} {body!r}")
        check(headers.get("connection") == "close", f"Content-Length body: Connection {headers.get('connection')}")
        # Chunked, no length: refused at the cap.
        client = socket.create_connection(("127.0.0.1", server.port))
        client.sendall((f"POST /api/v1/run/backtest HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                        f"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode())
        chunk = b" " * 65536
        sent = 0
        try:
            while sent < (3 << 20):
                client.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                sent += len(chunk)
        except OSError:
            pass  # the server may stop reading after its answer
        status, headers, body = read_response(client)
        client.close()
        check(status == 413 and json.loads(body) == expected, f"chunked body: {status} {body!r}")
        check(headers.get("connection") == "close", f"chunked body: Connection {headers.get('connection')}")
        check(server.get("/api/v1/health")["status"] in ("healthy", "degraded"), "server unhealthy after big bodies")
        return "Content-Length and chunked bodies over 1 MiB are 413 PAYLOAD_TOO_LARGE with Connection: close"
    finally:
        server.stop()


# MARK: storage faults

def expect_unavailable(server, reasons, label, injected=False):
    """A start and a script save are 503 STORAGE_UNAVAILABLE with Retry-After; reads are 200."""
    for method, path, body in [("POST", "/api/v1/run/backtest", SMALL_BACKTEST),
                               ("POST", "/api/v1/scripts", {"name": f"s{time.monotonic_ns()}", "source": "//@version=6\nstrategy(\"x\")"})]:
        status, document, headers = server.request(method, path, body)
        check(status == 503, f"{label}: {method} {path} answered {status}: {document}")
        check(document["error"]["code"] == "STORAGE_UNAVAILABLE", f"{label}: code {document['error']['code']}")
        check(document["error"]["details"]["reason"] in reasons, f"{label}: reason {document['error']['details']}")
        check(headers.get("Retry-After") == "10", f"{label}: Retry-After {headers.get('Retry-After')}")
    check(server.get("/api/v1/runs")["total"] >= 1, f"{label}: runs not listed")
    server.get("/api/v1/status")
    health = server.get_any("/api/v1/health")
    check(health["status"] == "unhealthy", f"{label}: health {health['status']}")
    # The storage probe commits an empty transaction (no new disk space needed): a real full or
    # read-only disk shows in the data_directory check; an injected fault in the storage check.
    failing = "storage" if injected else "data_directory"
    check(health["checks"][failing]["status"] == "fail", f"{label}: {failing} check {health['checks'][failing]}")


def get_any(self, path):
    status, document, _ = self.request("GET", path)
    check(status in (200, 503), f"GET {path} answered {status}")
    return document


Server.get_any = get_any


def expect_recovered(server, label, runs_before):
    status, started, _ = server.request("POST", "/api/v1/run/backtest", SMALL_BACKTEST)
    check(status == 200, f"{label}: start after recovery answered {status}: {started}")
    server.wait_status(("completed",))
    stored = server.get(f"/api/v1/runs/{started['run_id']}?max_points=0")
    check(stored["status"] == "completed", f"{label}: recovered run {stored['status']}")
    listed = server.get("/api/v1/runs?limit=100")
    check(listed["total"] == runs_before + 1, f"{label}: {listed['total']} runs after recovery, wanted {runs_before + 1}")
    return started["run_id"]


def scenario_inject(work):
    data_dir = os.path.join(work, "inject")
    flag = os.path.join(work, "inject-fault")
    server = Server(data_dir, env={"CRACKTRADER_FAULT_INJECT": flag})
    try:
        status, first, _ = server.request("POST", "/api/v1/run/backtest", SMALL_BACKTEST)
        check(status == 200, f"first start answered {status}")
        server.wait_status(("completed",))
        before = server.get(f"/api/v1/runs/{first['run_id']}?max_points=0")
        for word, reasons in [("full", ("disk_full",)), ("readonly", ("read_only",)), ("ioerr", ("io_error",))]:
            with open(flag, "w") as handle:
                handle.write(word + "\n")
            expect_unavailable(server, reasons, f"injected {word}", injected=True)
            check(canonical(server.get(f"/api/v1/runs/{first['run_id']}?max_points=0")) == canonical(before), "a committed run changed")
            os.unlink(flag)
        server.request("DELETE", "/api/v1/run/reset")
        expect_recovered(server, "injected", 1)
        return "injected full / readonly / ioerr: 503 STORAGE_UNAVAILABLE with Retry-After, reads 200, recovered without restart"
    finally:
        server.stop()
        if os.path.exists(flag):
            os.unlink(flag)


def can_mount_tmpfs(path):
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    os.makedirs(path, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", path], capture_output=True)
    return result.returncode == 0


def fill_disk(directory):
    """Writes a filler file until the file system is full (ENOSPC); returns its path."""
    path = os.path.join(directory, "filler")
    block = b"\0" * 65536
    with open(path, "wb", buffering=0) as handle:
        while True:
            try:
                handle.write(block)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
                block = block[:len(block) // 2]
                if len(block) < 512:
                    break
    return path


def scenario_tmpfs(work):
    mount_point = os.path.join(work, "tmpfs")
    if not can_mount_tmpfs(mount_point):
        return "SKIP: tmpfs cannot be mounted here (not root or not allowed); the injected faults stand in"
    server = None
    try:
        data_dir = os.path.join(mount_point, "data")
        server = Server(data_dir)
        status, first, _ = server.request("POST", "/api/v1/run/backtest", SMALL_BACKTEST)
        check(status == 200, f"first start answered {status}")
        server.wait_status(("completed",))
        before = server.get(f"/api/v1/runs/{first['run_id']}?max_points=0")
        server.request("DELETE", "/api/v1/run/reset")

        filler = fill_disk(mount_point)
        expect_unavailable(server, ("disk_full", "io_error"), "full tmpfs")
        check(canonical(server.get(f"/api/v1/runs/{first['run_id']}?max_points=0")) == canonical(before), "full disk: a committed run changed")
        check(server.process.poll() is None, "the server died on a full disk")
        os.unlink(filler)
        server.request("DELETE", "/api/v1/run/reset")
        expect_recovered(server, "full tmpfs", 1)
        server.request("DELETE", "/api/v1/run/reset")

        # Linux refuses a read-only remount while files are open for writing (the server's
        # database is): then that half is reported as not run rather than faked.
        remount = subprocess.run(["mount", "-o", "remount,ro", mount_point], capture_output=True)
        read_only = "read-only remount refused while the database is open (EBUSY), not run"
        if remount.returncode == 0:
            try:
                expect_unavailable(server, ("read_only", "io_error"), "read-only tmpfs")
            finally:
                subprocess.run(["mount", "-o", "remount,rw", mount_point], check=True)
            server.request("DELETE", "/api/v1/run/reset")
            expect_recovered(server, "read-only tmpfs", 2)
            read_only = "read-only remount: 503, reads 200, recovered"
        server.stop()
        server = None
        db_check(data_dir)
        return f"6 MiB tmpfs filled to ENOSPC: 503 STORAGE_UNAVAILABLE, reads 200, recovered after freeing space; {read_only}; db check ok"
    finally:
        if server is not None:
            server.kill()
        subprocess.run(["umount", mount_point], capture_output=True)


# MARK: a WebSocket client that never reads

def scenario_websocket(work):
    server = Server(os.path.join(work, "websocket"), extra=["--rate-limit-burst", "0"])
    client = None
    try:
        client = socket.create_connection(("127.0.0.1", server.port))
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        client.sendall((f"GET /api/v1/ws/status HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += client.recv(1)  # the handshake only; never another byte
        check(answer.startswith(b"HTTP/1.1 101"), f"upgrade answered {answer[:40]!r}")
        baseline = server.rss()
        slowest = 0.0
        peak = baseline
        events = 0
        # Paper runs at full speed: every bar is an equity_point, every trade an order/fill/trade event.
        for _ in range(3):
            status, started, _ = server.request("POST", "/api/v1/run/live", dict(PAPER, speed=100000))
            check(status == 200, f"paper start answered {status}: {started}")
            end = time.monotonic() + 4
            while time.monotonic() < end:
                begun = time.monotonic()
                status, _, _ = server.request("GET", "/api/v1/health", timeout=5)
                slowest = max(slowest, time.monotonic() - begun)
                check(status in (200, 503), f"health answered {status}")
                peak = max(peak, server.rss())
                time.sleep(0.1)
            server.request("POST", "/api/v1/run/stop")
            done = server.wait_status(("stopped", "completed", "failed"))
            events += done.get("bars_processed") or 0
            server.request("DELETE", "/api/v1/run/reset")
        growth = peak - baseline
        check(slowest < 2.0, f"a request took {slowest:.2f} s while the client was stuck")
        check(growth < 96 << 20, f"memory grew {growth >> 20} MiB while the client was stuck")
        closed = select.select([client], [], [], 0)[0] != []
        return (f"{events} bars of events to a client that never reads: slowest request {slowest:.2f} s, "
                f"RSS +{growth >> 20} MiB (peak {peak >> 20} MiB), client {'closed' if closed else 'still open (bounded queue)'}")
    finally:
        if client is not None:
            client.close()
        server.stop()


SCENARIOS = [("kill9", scenario_kill9), ("slowloris", scenario_slowloris), ("bodies", scenario_bodies),
             ("inject", scenario_inject), ("tmpfs", scenario_tmpfs), ("websocket", scenario_websocket)]


def main():
    if not os.access(BINARY, os.X_OK):
        print(f"faults.py: {BINARY} is not executable", file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="cracktrader-faults-")
    passed = failed = skipped = 0
    began = time.monotonic()
    try:
        for name, scenario in SCENARIOS:
            if ONLY and name not in ONLY:
                continue
            started = time.monotonic()
            try:
                summary = scenario(work)
            except Exception as error:  # noqa: BLE001 - every failure is reported, then the rest run
                failed += 1
                print(f"FAIL {name} ({time.monotonic() - started:.1f} s): {type(error).__name__}: {error}", flush=True)
                continue
            if summary.startswith("SKIP"):
                skipped += 1
                print(f"SKIP {name}: {summary[6:]}", flush=True)
            else:
                passed += 1
                print(f"PASS {name} ({time.monotonic() - started:.1f} s): {summary}", flush=True)
    finally:
        subprocess.run(["umount", os.path.join(work, "tmpfs")], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    print(f"fault scenarios took {time.monotonic() - began:.0f} s")
    print(f"faults: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
