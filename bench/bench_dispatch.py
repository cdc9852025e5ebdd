"""Dispatch rate: messages claimed, rendered (starter template, advertising: footer, tracked links, open
pixel, CSS inlined), built (MIME, Korean headers) and accepted by a local SMTP server, per second.

    /tmp/venv/bin/python bench/bench_dispatch.py [--messages 3000] [--mode plain|pipelining|both]

The SMTP server (aiosmtpd, counting what it accepts: bench_render.py's) runs in its own process so it
does not share this one's interpreter; the run only counts if it accepted exactly what was sent.
Two servers by default: aiosmtpd as it comes (no PIPELINING: 4 round trips a message) and the same
offering PIPELINING (RFC 2920, as Postfix, Gmail or SES do: 2 round trips). The machine is shared, so
CPU seconds per message (this process, DuckDB's threads included; and the server's) are printed
beside the wall rate. Also printed: the cost of each step for one message, to show where time goes.
Aim: 500 messages/s or more.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import clock  # noqa: E402
from core.store import Store  # noqa: E402

KST = dt.timezone(dt.timedelta(hours=9))


def step_costs(n: int = 200) -> dict[str, float]:
    from core.messaging import templates
    from core.messaging.email import build_message
    from core.public.links import tracking_context
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
                          rendered=rendered[i], message_id=f"m{i}", date=clock.now(),
                          list_unsubscribe_url=links[i]["unsubscribe_url"])
            for i in range(n)]
    costs["build_message (MIME bytes on the wire)"] = (time.perf_counter() - a) / n
    assert all(m.data for m in msgs)
    return costs


def run(n: int, pipelining: bool) -> None:
    from bench.bench_render import cpu_of, start_server, stop_server
    folder = Path(tempfile.mkdtemp(prefix="bench-dispatch-"))
    os.environ["CONSOLE_DB"] = str(folder / "console.duckdb")
    os.environ["CONSOLE_SECRETS"] = str(folder / "secrets.json")
    server, port = start_server(folder / "port", pipelining)
    try:
        from core.automations.evaluate import evaluate_all
        from core.messaging.dispatch import dispatch
        from core.messaging.email import EmailChannel
        from tests.support import automation_world as w
        store = Store(folder / "console.duckdb", role="bench")
        store.migrate()
        fixed = clock.FixedClock(w.at(1, 9))
        clock.set_clock(fixed)
        w.seed_shop(store)
        w.configure_sender(store, port)
        w.automation(store, "purchased")
        w.write(store, members=[w.member(f"m{i:05d}", w.at(1, 8)) for i in range(n)],
                products=[{"product_key": f"P{j}", "name": f"상품 {j}", "price": 39000,
                           "image_url": f"https://images.example/p/{j}.jpg"} for j in range(50)])
        w.write(store, orders=[w.order(f"o{i}", f"m{i:05d}", w.at(1, 10)) for i in range(n)])
        w.write(store, order_items=[w.item(f"o{i}", k, f"P{(i + k) % 50}") for i in range(n) for k in (1, 2)])
        fixed.set(w.at(1, 10, 30))
        planned = evaluate_all(store, fixed.now())["planned"]
        server_cpu = cpu_of(server.pid)
        t, cpu = time.perf_counter(), time.process_time()
        report = dispatch(store.unit, EmailChannel.for_store(store.path), now=fixed.now(), stop=threading.Event(),
                          time_budget_s=3600)
        elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
        server_cpu = cpu_of(server.pid) - server_cpu
    finally:
        accepted, _ = stop_server(server)
        shutil.rmtree(folder, ignore_errors=True)
    sent = report.outcomes["sent"]
    if accepted != sent:
        raise SystemExit(f"the server accepted {accepted} messages, the outbox says {sent} were sent")
    print(f"{'PIPELINING' if pipelining else 'plain aiosmtpd'}: {planned:,} planned, {report.summary()} in "
          f"{elapsed:.1f} s = {sent / elapsed:.0f} messages/s (claim, render, build, SMTP accept, flush), "
          f"{report.batches} batches")
    print(f"  CPU per message: client {cpu / sent * 1000:.2f} ms (one free core: {sent / cpu:.0f}/s), "
          f"SMTP server {server_cpu / sent * 1000:.2f} ms; load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=3000)
    ap.add_argument("--mode", choices=("plain", "pipelining", "both"), default="both")
    args = ap.parse_args()
    for pipelining in {"plain": [False], "pipelining": [True], "both": [False, True]}[args.mode]:
        run(args.messages, pipelining)
    for step, seconds in step_costs().items():
        print(f"  {step:38s} {seconds * 1000:6.2f} ms per message")


if __name__ == "__main__":
    main()
