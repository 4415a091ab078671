#!/usr/bin/env python3
"""Fan a `cracktrader sweep` out on an existing Dask distributed cluster.

The binary plans, runs and merges; Dask only runs opaque shards (docs/sweeps.md, "Cluster (Dask)"):

1. ``cracktrader sweep ask CONFIG [--history H] --shards K -o plan.json`` here, on the client
   (the first stage of a grid, or the next stage of a walk-forward or TPE sweep);
2. one Dask task per shard: the worker writes the plan (sent as bytes) to a temporary directory,
   runs ``cracktrader sweep run --plan P --shard I -o DIR`` as a subprocess and returns the shard
   file's bytes, so workers need no shared filesystem;
3. ``cracktrader sweep tell [--history H] STAGE_DIR -o H`` here; back to 1 until ``ask`` says the
   sweep is complete. The final history is byte-identical to ``cracktrader sweep CONFIG --json``.

Failures follow the binary's exit statuses: 75 (transient) is resubmitted, at most
``--transient-retries`` times per shard; a worker that dies mid-task is handled by the scheduler
(it reschedules the task, ``distributed.scheduler.allowed-failures`` times) and, should the task
end in an error anyway (``KilledWorker``, a lost plan replica), resubmitted by this launcher up to
``--retries`` times; 65 is never retried — when the shard file was written (a cell failed
deterministically) it is used, the cell is recorded as failed, and otherwise the launcher stops
with 65 (a bad plan, or data that changed under it).

Exit statuses: 0 done, 65 permanent failure, 75 transient failures left after the retries,
64 usage error.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

EXIT_OK = 0
EXIT_USAGE = 64
EXIT_PERMANENT = 65
EXIT_TRANSIENT = 75


class LaunchError(Exception):
    """A failure that ends the launch with ``status`` (65 permanent, 75 transient)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def log(message: str) -> None:
    """Progress and diagnostics go to stderr; stdout carries only the results document."""
    print(f"cracktrader-dask: {message}", file=sys.stderr, flush=True)


# --- the worker side -------------------------------------------------------------------------
# These functions run on Dask workers. When this file runs as a script they are pickled by value
# (cloudpickle does that for __main__), so workers need only `distributed` and the binary.

def _materialise(directory: str, name: str, blob: bytes, mode: int) -> str:
    """Writes ``blob`` once per worker under a content-addressed name and returns its path."""
    digest = hashlib.sha256(blob).hexdigest()[:16]
    path = os.path.join(directory, f"{digest}-{name}")
    if not os.path.exists(path):
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".upload-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(blob)
        os.chmod(temporary, mode)
        os.replace(temporary, path)  # atomic: concurrent tasks on one worker may race here
    return path


def run_shard(binary: str, plan: bytes, shard: int, jobs: int | None, data: list[str],
              shipped_binary: bytes | None = None,
              shipped_data: dict[str, tuple[str, bytes]] | None = None) -> dict:
    """Runs ``cracktrader sweep run`` for one shard on this worker.

    ``plan`` is the plan file's bytes; ``data`` are ``SYMBOL=PATH`` overrides naming files on the
    worker; ``shipped_binary`` / ``shipped_data`` (symbol → (file name, bytes)) are written to the
    worker's local directory first. Returns the exit status, the shard file's bytes (or None) and
    the tail of stderr; an exit status is a result, not an exception, so the client decides what
    to retry.
    """
    import socket

    try:
        from distributed import get_worker
        worker = get_worker()
        local, address = worker.local_directory, worker.address
    except (ImportError, ValueError):
        local, address = tempfile.gettempdir(), "local"
    if shipped_binary is not None:
        binary = _materialise(local, "cracktrader", shipped_binary, 0o755)
    overrides = list(data)
    for symbol, (name, blob) in (shipped_data or {}).items():
        overrides.append(f"{symbol}={_materialise(local, name, blob, 0o644)}")
    with tempfile.TemporaryDirectory(prefix="cracktrader-shard-", dir=local) as scratch:
        plan_path = os.path.join(scratch, "plan.json")
        with open(plan_path, "wb") as handle:
            handle.write(plan)
        out = os.path.join(scratch, "out")
        command = [binary, "sweep", "run", "--plan", plan_path, "--shard", str(shard), "-o", out]
        if jobs is not None:
            command += ["--jobs", str(jobs)]
        for override in overrides:
            command += ["--data", override]
        process = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
        shard_file = os.path.join(out, f"shard-{shard:05d}.json")
        content = None
        if os.path.exists(shard_file):
            with open(shard_file, "rb") as handle:
                content = handle.read()
    return {"shard": shard, "status": process.returncode, "content": content,
            "stderr": process.stderr.decode("utf-8", "replace")[-2000:],
            "worker": address, "host": socket.gethostname()}


# --- the client side -------------------------------------------------------------------------

def run_binary(binary: str, arguments: list[str]) -> subprocess.CompletedProcess:
    """Runs the client's binary (ask/tell), passing its stderr through."""
    return subprocess.run([binary, *arguments], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=sys.stderr)


def require(process: subprocess.CompletedProcess, what: str) -> None:
    """Turns a failed ask/tell into a LaunchError with the binary's status."""
    if process.returncode != 0:
        status = process.returncode if process.returncode in (EXIT_PERMANENT, EXIT_TRANSIENT) else EXIT_PERMANENT
        raise LaunchError(status, f"`{what}` exited {process.returncode}")


class Launcher:
    """One sweep on one Dask client: the ask → run shards → tell loop."""

    def __init__(self, client, args: argparse.Namespace, workdir: str):
        self.client = client
        self.args = args
        self.workdir = workdir
        # A bare name is looked up on PATH here (subprocess would too; --ship-binary needs the file).
        self.local_binary = shutil.which(args.local_binary or args.binary) or (args.local_binary or args.binary)
        self.shipped_binary = None
        self.shipped_data = None
        self.failed_shards = 0

    def shard_count(self) -> int:
        """--shards, else 4 per worker thread so that stragglers and retries balance out."""
        if self.args.shards:
            return self.args.shards
        threads = sum(self.client.nthreads().values())
        return max(1, 4 * threads)

    def prepare_shipping(self, plan_path: str) -> None:
        """Scatters the binary and/or the plan's CSV files to every worker once (--ship-*)."""
        if self.args.ship_binary and self.shipped_binary is None:
            with open(self.local_binary, "rb") as handle:
                self.shipped_binary = self.client.scatter(handle.read(), broadcast=True, hash=False)
        if self.args.ship_data and self.shipped_data is None:
            with open(plan_path, "rb") as handle:
                config = json.load(handle).get("config", {})
            base = os.path.dirname(os.path.abspath(self.args.config))
            shipped = {}
            for symbol, path in (config.get("data") or {}).items():
                if not os.path.isabs(path) and not os.path.exists(path):
                    path = os.path.join(base, path)  # the config's paths are relative to its directory
                with open(path, "rb") as handle:
                    shipped[symbol] = (os.path.basename(path), handle.read())
            if not shipped:
                log("--ship-data: the plan reads no CSV files (exchange data is read on the workers)")
            self.shipped_data = self.client.scatter(shipped, broadcast=True, hash=False) if shipped else None

    def submit(self, plan, shard: int, stage: int, attempt: int):
        """One task for one shard; ``plan`` is the scattered plan bytes (a Future)."""
        return self.client.submit(
            run_shard, self.args.binary, plan, shard, self.args.jobs, self.args.data,
            self.shipped_binary, self.shipped_data,
            key=f"cracktrader-stage{stage}-shard{shard}-attempt{attempt}-{os.getpid()}-{time.time_ns()}",
            pure=False, retries=self.args.retries,
        )

    def run_stage(self, stage: int, plan_path: str, shards: int, stage_dir: str) -> None:
        """Submits one task per shard, streams the results back and retries as described above."""
        from distributed import as_completed

        with open(plan_path, "rb") as handle:
            plan_bytes = handle.read()
        plan = self.client.scatter(plan_bytes, broadcast=True, hash=False)
        futures = {}
        attempts = {shard: 1 for shard in range(shards)}
        errors = {shard: 0 for shard in range(shards)}
        for shard in range(shards):
            futures[self.submit(plan, shard, stage, 1)] = shard
        pending = as_completed(list(futures))
        done = 0
        started = time.monotonic()
        for future in pending:
            shard = futures.pop(future)
            retry_reason = None
            try:
                result = future.result()
            except Exception as error:  # KilledWorker, a lost plan replica, an OSError on a worker
                errors[shard] += 1
                if errors[shard] > self.args.retries:
                    raise LaunchError(EXIT_TRANSIENT, f"stage {stage} shard {shard}: {type(error).__name__}: {error} (gave up after {errors[shard]} errors)")
                retry_reason = f"{type(error).__name__}: {error}"
                result = None
            if result is not None:
                status = result["status"]
                if status == EXIT_OK or (status == EXIT_PERMANENT and result["content"] is not None):
                    path = os.path.join(stage_dir, f"shard-{shard:05d}.json")
                    with open(path + ".tmp", "wb") as handle:
                        handle.write(result["content"])
                    os.replace(path + ".tmp", path)  # `tell` reads *.json only: never a partial file
                    done += 1
                    note = ""
                    if status == EXIT_PERMANENT:
                        self.failed_shards += 1
                        note = " — cells failed deterministically, recorded, not retried"
                    if not self.args.quiet:
                        elapsed = time.monotonic() - started
                        eta = elapsed / done * (shards - done)
                        log(f"stage {stage}: shard {shard} done on {result['worker']} (exit {status}, attempt {attempts[shard]}){note}; {done}/{shards} shards, ETA {eta:.0f}s")
                    continue
                if status == EXIT_PERMANENT or status == EXIT_USAGE or status > 0 and status != EXIT_TRANSIENT:
                    raise LaunchError(EXIT_PERMANENT, f"stage {stage} shard {shard}: `sweep run` exited {status} on {result['worker']} (permanent, not retried):\n{result['stderr']}")
                # 75, or killed by a signal (negative status: the OOM killer, a worker shutting down).
                if attempts[shard] > self.args.transient_retries:
                    raise LaunchError(EXIT_TRANSIENT, f"stage {stage} shard {shard}: still exit {status} after {attempts[shard]} attempts:\n{result['stderr']}")
                retry_reason = f"exit {status} on {result['worker']}"
            attempts[shard] += 1
            if plan.status != "finished":
                plan = self.client.scatter(plan_bytes, broadcast=True, hash=False)
            log(f"stage {stage}: shard {shard} {retry_reason}; retrying (attempt {attempts[shard]})")
            retry = self.submit(plan, shard, stage, attempts[shard])
            futures[retry] = shard
            pending.add(retry)

    def run(self) -> str:
        """Runs every stage and returns the path of the final results document."""
        history = os.path.join(self.workdir, "history.json")
        stage = 0
        while True:
            stage += 1
            plan_path = os.path.join(self.workdir, f"plan-{stage}.json")
            shards = self.shard_count()
            ask = ["sweep", "ask", self.args.config, "--shards", str(shards), "-o", plan_path]
            if self.args.max_cells is not None:
                ask += ["--max-cells", str(self.args.max_cells)]
            if stage > 1:
                ask += ["--history", history]
            if os.path.exists(plan_path):
                os.remove(plan_path)  # a reused --workdir: "no plan written" must mean "complete"
            require(run_binary(self.local_binary, ask), "sweep ask")
            if not os.path.exists(plan_path):
                if stage == 1:
                    raise LaunchError(EXIT_PERMANENT, "`sweep ask` planned nothing")
                return history
            with open(plan_path, "rb") as handle:
                planned = json.load(handle)
            if 0 < len(planned["cells"]) < shards:
                # A small stage (walk-forward's out-of-sample runs): no empty shards.
                shards = len(planned["cells"])
                ask[ask.index("--shards") + 1] = str(shards)
                require(run_binary(self.local_binary, ask), "sweep ask")
                with open(plan_path, "rb") as handle:
                    planned = json.load(handle)
            shards = int(planned["shards"])
            self.prepare_shipping(plan_path)
            stage_dir = os.path.join(self.workdir, f"stage-{stage}")
            shutil.rmtree(stage_dir, ignore_errors=True)
            os.makedirs(stage_dir)
            log(f"stage {stage}: {len(planned['cells'])} cells in {shards} shards")
            self.run_stage(stage, plan_path, shards, stage_dir)
            tell = ["sweep", "tell", stage_dir, "-o", history]
            if stage > 1:
                tell += ["--history", history]
            require(run_binary(self.local_binary, tell), "sweep tell")


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="cracktrader_dask.py",
        description="Run a cracktrader sweep on an existing Dask cluster; the result is byte-identical to `cracktrader sweep CONFIG --json`.",
        epilog="Exit status: 0 done, 65 permanent failure, 75 transient failures left after the retries.")
    parser.add_argument("config", help="the sweep config (JSON or YAML), read here by `sweep ask`")
    parser.add_argument("--scheduler", required=True, help="the scheduler's address, e.g. tcp://host:8786 (nothing is started)")
    parser.add_argument("--binary", default="cracktrader", help="cracktrader on the workers (a path there, or a name on their PATH) [default: cracktrader]")
    parser.add_argument("--local-binary", help="cracktrader here, for ask/tell [default: --binary]")
    parser.add_argument("--ship-binary", action="store_true", help="send the local binary to the workers instead of expecting --binary there")
    parser.add_argument("--data", action="append", default=[], metavar="SYMBOL=PATH", help="`sweep run --data` for the workers: where a CSV lives on them; repeatable")
    parser.add_argument("--ship-data", action="store_true", help="send the plan's CSV files to the workers (no shared filesystem needed)")
    parser.add_argument("--shards", type=int, help="shards per stage [default: 4 per worker thread]")
    parser.add_argument("--jobs", type=int, help="`sweep run --jobs` per shard [default: the worker's cores]")
    parser.add_argument("--max-cells", type=int, help="`sweep ask --max-cells`")
    parser.add_argument("--transient-retries", type=int, default=3, help="resubmissions of a shard that exits 75 [default: 3]")
    parser.add_argument("--retries", type=int, default=3, help="Dask `retries=` per task, and resubmissions of a task lost with its worker [default: 3]")
    parser.add_argument("-o", "--output", help="write the results document here (stdout if omitted)")
    parser.add_argument("--workdir", help="keep plans, shard files and the history here [default: a temporary directory, removed]")
    parser.add_argument("--timeout", type=float, default=30, help="seconds to wait for the scheduler [default: 30]")
    parser.add_argument("--quiet", action="store_true", help="no per-shard progress on stderr")
    args = parser.parse_args(argv)
    if args.shards is not None and args.shards < 1:
        parser.error("--shards must be at least 1")
    if min(args.transient_retries, args.retries) < 0:
        parser.error("--retries and --transient-retries must not be negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(sys.argv[1:] if argv is None else argv)
    try:
        import cloudpickle
        from distributed import Client
    except ImportError as error:
        log(f"{error}; install the pinned dependency: pip install -r Cluster/dask/requirements.txt")
        return EXIT_TRANSIENT
    if __name__ != "__main__":
        # Imported (e.g. by a test): send run_shard by value, so workers need not import this file.
        cloudpickle.register_pickle_by_value(sys.modules[__name__])
    workdir = args.workdir or tempfile.mkdtemp(prefix="cracktrader-dask-")
    os.makedirs(workdir, exist_ok=True)
    started = time.monotonic()
    try:
        with Client(args.scheduler, timeout=args.timeout) as client:
            launcher = Launcher(client, args, workdir)
            result = launcher.run()
        with open(result, "rb") as handle:
            document = handle.read()
        if args.output:
            temporary = args.output + ".tmp"
            with open(temporary, "wb") as handle:
                handle.write(document)
            os.replace(temporary, args.output)
        else:
            sys.stdout.buffer.write(document)
            sys.stdout.flush()
        failed = f", {launcher.failed_shards} shard(s) with deterministically failed cells" if launcher.failed_shards else ""
        log(f"done in {time.monotonic() - started:.1f}s{failed}")
        return EXIT_OK
    except LaunchError as error:
        log(f"error: {error}")
        return error.status
    except OSError as error:  # the scheduler unreachable, a file we cannot write
        log(f"error: {error}")
        return EXIT_TRANSIENT
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
