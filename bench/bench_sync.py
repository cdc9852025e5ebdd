"""Members synced per second from the sandbox shop over loopback, rate limit off, by the real Cafe24 client.

Starts the sandbox as its own process (`python -m core sandbox --frozen --no-rate-limit`, as a mall is
another machine), connects it through the real OAuth flow, then times a members-only sync into a fresh
store file: everything the product does on a real sync (HTTP, JSON, normalization, batched upserts with
checkpoints) except the network distance.
"""
from __future__ import annotations

import argparse
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from cpu import cpu_self  # noqa: E402 (bench/ is on sys.path)

from core.sandbox.setup import connect_sandbox  # noqa: E402
from core.store import Store  # noqa: E402
from core.sync.jobs import run_sync  # noqa: E402


def start_sandbox(members: int) -> tuple[str, subprocess.Popen]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "core", "sandbox", "--port", str(port), "--members", str(members),
                                "--frozen", "--no-rate-limit"], cwd=Path(__file__).resolve().parent.parent,
                               stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    while True:
        try:
            httpx.get(f"{url}/sandbox/app", timeout=1)
            break
        except httpx.HTTPError as exc:
            if process.poll() is not None or time.perf_counter() - started > 120:
                raise SystemExit("the sandbox did not start") from exc
            time.sleep(0.2)
    print(f"{members:,} members: sandbox up in {time.perf_counter() - started:.1f} s")
    return url, process


def bench(members: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CONSOLE_SECRETS"] = str(Path(tmp) / "secrets.json")
        url, sandbox = start_sandbox(members)
        try:
            store = Store(Path(tmp) / "bench.duckdb")
            connect_sandbox(store, url)
            started, our_cpu, mall_cpu = time.perf_counter(), cpu_self(), cpu_of(sandbox)
            result = run_sync(store, "sandbox", started_by="bench", entities=["members"])
            took = time.perf_counter() - started
            our_cpu, mall_cpu = cpu_self() - our_cpu, cpu_of(sandbox) - mall_cpu
        finally:
            sandbox.terminate()
            sandbox.wait()
        assert result.status == "succeeded", result.error
        with store.unit() as con:
            landed = con.execute("SELECT count(*) FROM members").fetchone()[0]
        assert landed == members, (landed, members)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{members:,} members synced in {took:.2f} s: {members / took:,.0f} members/s "
              f"({result.pages} pages); peak RSS so far {peak_mb:.0f} MB")
    # On a shared machine the wall clock counts the neighbours' work too; CPU seconds say what the code costs.
    print(f"    CPU: syncing process {our_cpu:.1f} s = {our_cpu / members * 1e6:.1f} µs a member "
          f"({members / our_cpu:,.0f} members per CPU second); the sandbox {mall_cpu:.1f} s; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def cpu_of(process: subprocess.Popen) -> float:
    fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, action="append", help="sizes to run (default 10,000 and 1,000,000)")
    for size in parser.parse_args().members or [10_000, 1_000_000]:
        bench(size)


if __name__ == "__main__":
    main()
