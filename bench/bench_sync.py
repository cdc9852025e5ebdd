"""Members synced per second from the sandbox shop over loopback, rate limit off, by the real Cafe24 client.

Starts the sandbox in this process (its HTTP server on its own threads), connects it through the real
OAuth flow, then times a members-only sync into a fresh store file: everything the product does on a
real sync (HTTP, JSON, normalization, batched upserts with checkpoints) except the network distance.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from core.sandbox.server import SandboxServer  # noqa: E402
from core.sandbox_setup import connect_sandbox  # noqa: E402
from core.store import Store  # noqa: E402
from core.sync_jobs import run_sync  # noqa: E402


def bench(members: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CONSOLE_SECRETS"] = str(Path(tmp) / "secrets.json")
        started = time.perf_counter()
        server = SandboxServer(members, 7, rate_limit=False, frozen=True)
        print(f"{members:,} members: sandbox built in {time.perf_counter() - started:.1f} s")
        try:
            store = Store(Path(tmp) / "bench.duckdb")
            connect_sandbox(store, server.url)
            started = time.perf_counter()
            result = run_sync(store, "sandbox", started_by="bench", entities=["members"])
            took = time.perf_counter() - started
        finally:
            server.stop()
        assert result.status == "succeeded", result.error
        with store.unit() as con:
            landed = con.execute("SELECT count(*) FROM members").fetchone()[0]
        assert landed == members, (landed, members)
        print(f"{members:,} members synced in {took:.2f} s: {members / took:,.0f} members/s "
              f"({result.pages} pages); peak RSS so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, action="append", help="sizes to run (default 10,000 and 1,000,000)")
    for size in parser.parse_args().members or [10_000, 1_000_000]:
        bench(size)


if __name__ == "__main__":
    main()
