"""The whole product started the way a newcomer starts it: `./start`, on free loopback ports, over a data
directory of the test's own (`DATA_DIR`), so the browser tests exercise exactly what `./start` runs.

`./start` runs the sandbox shop at its lively pace, the sandbox mailbox, `init`, a first sync, the scheduler
with its public endpoints and the console; `stop()` is Ctrl-C (SIGINT to its process group, as a terminal
sends it), and says what `./start` printed.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.support.browser_support import free_port

READY = "Ctrl-C stops everything."
# The variables `./start` reads; the test's own are dropped so the product uses the data directory given.
OWN = ("CONSOLE_DB", "CONSOLE_SECRETS", "PUBLIC_BASE_URL", "SANDBOX_PORT", "PUBLIC_PORT", "CONSOLE_PORT",
       "SANDBOX_SMTP_PORT", "DATA_DIR")


@dataclasses.dataclass
class Product:
    proc: subprocess.Popen[bytes]
    data: Path
    output: Path
    sandbox_port: int
    public_port: int
    console_port: int
    mailbox_port: int

    @property
    def console_url(self) -> str:
        return f"http://127.0.0.1:{self.console_port}"

    @property
    def store_path(self) -> Path:
        return self.data / "console.duckdb"

    def printed(self) -> str:
        return self.output.read_text(errors="replace")

    def stop(self, timeout: float = 60) -> tuple[int, str]:
        """Ctrl-C: SIGINT to every process `./start` started, as a terminal sends it; its exit status and output."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode, self.printed()


@contextlib.contextmanager
def started_product(tmp_path: Path, *, ready_within: float = 240) -> Iterator[Product]:
    """`./start` over `tmp_path/data` on four free ports; yields once it says the console is up."""
    data = tmp_path / "data"
    ports = [free_port() for _ in range(4)]
    env = {k: v for k, v in os.environ.items() if k not in OWN and not k.startswith("CONSOLE_SECRET_")}
    env.update(DATA_DIR=str(data), SANDBOX_PORT=str(ports[0]), PUBLIC_PORT=str(ports[1]),
               CONSOLE_PORT=str(ports[2]), SANDBOX_SMTP_PORT=str(ports[3]),
               # loopback only, and no file watcher spending the shared machine's cores
               STREAMLIT_SERVER_ADDRESS="127.0.0.1", STREAMLIT_SERVER_FILE_WATCHER_TYPE="none")
    output = tmp_path / "start.out"
    with output.open("wb") as out:
        proc = subprocess.Popen([str(ROOT / "start")], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    product = Product(proc, data, output, *ports)
    try:
        deadline = time.monotonic() + ready_within
        while READY not in product.printed():
            if proc.poll() is not None or time.monotonic() > deadline:
                logs = "".join(f"\n--- {p.name}\n{p.read_text(errors='replace')[-1500:]}"
                               for p in sorted((data / "logs").glob("*.log")))
                pytest.fail(f"./start did not come up:\n{product.printed()[-3000:]}{logs}")
            time.sleep(0.5)
        yield product
    finally:
        product.stop()
