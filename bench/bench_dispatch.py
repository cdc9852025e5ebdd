"""Dispatch rate: messages claimed, rendered (starter template, advertising: footer, tracked links, open
pixel, CSS inlined), built (MIME, Korean headers) and accepted by a local SMTP server, per second.

    /tmp/venv/bin/python bench/bench_dispatch.py [--messages 3000]

The SMTP server (aiosmtpd, discarding what it accepts) runs in its own process so it does not share
this one's interpreter. Also printed: the cost of each step for one message, to show where time goes.
Aim: 500 messages/s or more.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import clock  # noqa: E402
from core.store import Store  # noqa: E402

KST = dt.timezone(dt.timedelta(hours=9))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the SMTP server did not start on port {port}")


def step_costs(n: int = 200) -> dict[str, float]:
    from core import templates
    from core.channels.email import build_message, flatten
    from core.tracking import tracking_context
    t = templates.starter_template("purchased")
    ctx = templates.sample_context("purchased")
    costs = {}
    a = time.perf_counter()
    links = [tracking_context(f"m{i}", "bench", f"k{i}") for i in range(n)]
    costs["links (signed)"] = (time.perf_counter() - a) / n
    a = time.perf_counter()
    rendered = [templates.render_email(t, {**ctx, **links[i]}, advertising=True, sender=templates.SAMPLE_SENDER)
                for i in range(n)]
    costs["render (jinja, CSS inline, footer)"] = (time.perf_counter() - a) / n
    a = time.perf_counter()
    msgs = [build_message(to="a@example.com", from_name="하루상점", from_email="hello@haru-shop.example",
                          rendered=rendered[i], message_id=f"m{i}", list_unsubscribe_url=links[i]["unsubscribe_url"])
            for i in range(n)]
    costs["build_message (MIME)"] = (time.perf_counter() - a) / n
    a = time.perf_counter()
    for m in msgs:
        flatten(m)
    costs["flatten (bytes on the wire)"] = (time.perf_counter() - a) / n
    return costs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=3000)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-dispatch-"))
    os.environ["CONSOLE_DB"] = str(folder / "console.duckdb")
    os.environ["CONSOLE_SECRETS"] = str(folder / "secrets.json")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                               "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(port)
        from tests import automation_world as w
        from core.automations.dispatch import dispatch
        from core.automations.evaluate import evaluate_all
        store = Store(folder / "console.duckdb", role="bench")
        store.migrate()
        fixed = clock.FixedClock(w.at(1, 9))
        clock.set_clock(fixed)
        w.seed_shop(store)
        w.configure_sender(store, port)
        w.automation(store, "purchased")
        n = args.messages
        w.write(store, members=[w.member(f"m{i:05d}", w.at(1, 8)) for i in range(n)],
                products=[{"product_key": f"P{j}", "name": f"상품 {j}", "price": 39000,
                           "image_url": f"https://images.example/p/{j}.jpg"} for j in range(50)])
        w.write(store, orders=[w.order(f"o{i}", f"m{i:05d}", w.at(1, 10)) for i in range(n)])
        w.write(store, order_items=[w.item(f"o{i}", k, f"P{(i + k) % 50}") for i in range(n) for k in (1, 2)])
        fixed.set(w.at(1, 10, 30))
        planned = evaluate_all(store)["planned"]
        t = time.perf_counter()
        report = dispatch(store, time_budget_s=3600)
        elapsed = time.perf_counter() - t
        print(f"dispatched {planned:,} planned messages: {report.summary()} in {elapsed:.1f} s "
              f"= {report.outcomes['sent'] / elapsed:.0f} messages/s (claim, render, build, SMTP accept, flush), "
              f"{report.batches} batches")
        for step, seconds in step_costs().items():
            print(f"  {step:38s} {seconds * 1000:6.2f} ms per message")
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
