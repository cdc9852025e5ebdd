"""From a Cafe24 webhook to the customer's e-mail and warranty: seconds, over ~20 orders, real processes.

Runs the product as `./start` does, each part its own OS process on loopback: the sandbox mall (lively,
Cafe24's call limit on, posting its webhooks), the sandbox mailbox (a real SMTP server), and the
scheduler with the public endpoints, against a fresh store. The shop gets a purchase follow-up e-mail
(sent as soon as an order is paid) and warranties (issued as soon as an item is delivered). Then members
check out their baskets on the storefront, one every few seconds; the mall pays, ships and delivers each
order minutes later, and announces each step to the shop's webhook address.

Measured per order, with the scheduler running normally (its 5-second tick, its usual jobs):
- follow-up: from the payment webhook's arrival (90025, kept by the public endpoint) to the follow-up's
  row turning `sent` (the dispatcher records it once the SMTP server accepted the message);
- warranty: from the delivery webhook's arrival (90024) to the order's warranties issued.
The bench looks once a second, so each figure may be up to a second late.

    .venv/bin/python bench/bench_webhook.py [--orders 20] [--every 4] [--base-port 22110]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import clock  # noqa: E402
from core.automations import manage  # noqa: E402
from core.loyalty import settings as loyalty_settings  # noqa: E402
from core.messaging.templates import starter_template  # noqa: E402
from core.store import Store  # noqa: E402

SHOP = "sandbox"


def wait_port(port: int, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"{what} did not start on port {port}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def setup_automations(store: Store) -> str:
    """A purchase follow-up e-mail (information, not advertising: every buyer gets it) and warranties."""
    now = clock.now()
    t = starter_template("purchased")
    template_id = manage.save_template(store, shop_id=SHOP, name=t["name"], trigger="purchased", subject=t["subject"],
                                       preheader=t["preheader"], html=t["html"], text=t["text"], now=now)
    automation_id = manage.create_automation(
        store, shop_id=SHOP, name="구매 감사 메일", trigger="purchased", subject=t["subject"], sender_name=None,
        sender_email=None, template_id=template_id, preheader=t["preheader"], is_advertising=False, start=True,
        now=now)
    loyalty_settings.save(store, SHOP, loyalty_settings.WarrantySettings(enabled=True), now=now)
    return automation_id


def observe(store: Store, automation_id: str, orders: list[str]) -> dict[str, dict[str, dt.datetime]]:
    """What the store holds now for each order: webhook arrivals, the follow-up sent, the warranties issued."""
    with store.unit() as con:
        hooks = con.execute("""SELECT order_key, event_no, min(received_at) FROM webhook_events
                               WHERE order_key IN (SELECT unnest(?)) GROUP BY ALL""", [orders]).fetchall()
        sent = con.execute("""SELECT occurrence_key FROM outbox WHERE automation_id = ? AND state = 'sent'
                              AND occurrence_key IN (SELECT unnest(?))""", [automation_id, orders]).fetchall()
        issued = con.execute("""SELECT order_key FROM warranties WHERE status = 'issued'
                                AND order_key IN (SELECT unnest(?)) GROUP BY 1""", [orders]).fetchall()
    seen: dict[str, dict[str, dt.datetime]] = {o: {} for o in orders}
    for order, event_no, at in hooks:
        seen[order][f"hook{event_no}"] = at
    now = dt.datetime.now(dt.UTC)
    for (order,) in sent:
        seen[order]["sent"] = now
    for (order,) in issued:
        seen[order]["issued"] = now
    return seen


def bench(n_orders: int, every: float, base_port: int, members: int, timeout_s: float) -> None:
    sandbox_port, smtp_port, public_port = base_port, base_port + 1, base_port + 2
    with tempfile.TemporaryDirectory(prefix="bench-webhook-") as tmp:
        env = {**os.environ, "CONSOLE_DB": f"{tmp}/console.duckdb", "CONSOLE_SECRETS": f"{tmp}/secrets.json",
               "PUBLIC_BASE_URL": f"http://127.0.0.1:{public_port}", "SANDBOX_SMTP_PORT": str(smtp_port),
               "PYTHONPATH": str(ROOT)}
        os.environ.update({k: env[k] for k in ("CONSOLE_DB", "CONSOLE_SECRETS", "PUBLIC_BASE_URL")})
        py = [sys.executable, "-m", "core"]
        logs = Path(tmp)
        procs: list[subprocess.Popen[bytes]] = []

        def spawn(name: str, *args: str) -> None:
            procs.append(subprocess.Popen([*py, *args], cwd=ROOT, env=env, stdout=open(logs / f"{name}.log", "wb"),
                                          stderr=subprocess.STDOUT))
        try:
            spawn("sandbox", "sandbox", "--port", str(sandbox_port), "--members", str(members))
            wait_port(sandbox_port, "the sandbox")
            spawn("mailbox", "mailbox", "--port", str(smtp_port), "--dir", f"{tmp}/mailbox")
            wait_port(smtp_port, "the mailbox")
            init = subprocess.run([*py, "init", "--sandbox-url", f"http://127.0.0.1:{sandbox_port}"], cwd=ROOT,
                                  env=env, capture_output=True, text=True)
            if init.returncode != 0:
                raise SystemExit(init.stdout + init.stderr)
            store = Store(Path(env["CONSOLE_DB"]), role="bench")
            automation_id = setup_automations(store)
            spawn("scheduler", "scheduler", "--public-port", str(public_port))
            wait_port(public_port, "the public endpoints")
            began = time.monotonic()
            while True:  # the first sync brings the members and their baskets in
                with store.unit() as con:
                    done = con.execute("SELECT count(*) FROM sync_runs WHERE status = 'succeeded'").fetchone()[0]
                if done:
                    break
                if time.monotonic() - began > 300:
                    raise SystemExit("the first sync did not finish in 5 minutes; see " + str(logs))
                time.sleep(1)
            print(f"first sync done in {time.monotonic() - began:.0f} s", flush=True)
            with store.unit() as con:
                buyers = [r[0] for r in con.execute("""SELECT DISTINCT member_key FROM carts WHERE status = 'open'
                                                       ORDER BY member_key""").fetchall()]
            orders = []
            for member in buyers:
                if len(orders) == n_orders:
                    break
                answer = httpx.post(f"http://127.0.0.1:{sandbox_port}/order/basket.html",
                                    params={"member_id": member}, follow_redirects=False)
                if answer.status_code != 303:
                    continue
                orders.append(answer.headers["Location"].rsplit("=", 1)[1])
                time.sleep(every)
            print(f"{len(orders)} orders placed over {len(orders) * every:.0f} s; waiting for payment, delivery, "
                  "e-mails and warranties", flush=True)
            first_seen: dict[str, dict[str, dt.datetime]] = {o: {} for o in orders}
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                for order, found in observe(store, automation_id, orders).items():
                    for what, at in found.items():
                        first_seen[order].setdefault(what, at)
                if all({"sent", "issued"} <= set(f) for f in first_seen.values()):
                    break
                time.sleep(1)
            report(first_seen, Path(tmp) / "mailbox")
            job_times(logs / "scheduler.log")
        finally:
            for p in reversed(procs):
                p.terminate()
            for p in procs:
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()


def report(first_seen: dict[str, dict[str, dt.datetime]], mailbox: Path) -> None:
    follow = [(f["sent"] - f["hook90025"]).total_seconds() for f in first_seen.values()
              if {"sent", "hook90025"} <= set(f)]
    warranty = [(f["issued"] - f["hook90024"]).total_seconds() for f in first_seen.values()
                if {"issued", "hook90024"} <= set(f)]
    n = len(first_seen)
    print(f"orders: {n}; e-mails in the mailbox: {len(list(mailbox.rglob('*.eml')))}")
    for name, values in (("payment webhook -> follow-up accepted by SMTP", follow),
                         ("delivery webhook -> warranty issued", warranty)):
        if not values:
            print(f"{name}: none measured")
            continue
        print(f"{name}: n={len(values)}/{n} p50={statistics.median(values):.1f} s "
              f"p95={percentile(values, 0.95):.1f} s max={max(values):.1f} s")
    missing = {o: sorted({"hook90025", "sent", "hook90024", "issued"} - set(f)) for o, f in first_seen.items()}
    missing = {o: m for o, m in missing.items() if m}
    if missing:
        print(f"not seen in time: {missing}")


def job_times(log: Path) -> None:
    """How long the scheduler's jobs took (the webhook syncs wait behind whatever runs before them)."""
    took: dict[str, list[float]] = {}
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("event") != "job" or entry.get("summary") == "no events":
            continue
        seconds = (dt.datetime.fromisoformat(entry["at"]) - dt.datetime.fromisoformat(entry["clock"])).total_seconds()
        took.setdefault(entry["job"], []).append(seconds)
    for job, values in sorted(took.items()):
        print(f"  {job}: {len(values)} runs, mean {statistics.mean(values):.1f} s, max {max(values):.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20)
    parser.add_argument("--every", type=float, default=4.0, help="seconds between two check-outs")
    parser.add_argument("--base-port", type=int, default=22110, help="sandbox; +1 mailbox; +2 public endpoints")
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait after the last order")
    args = parser.parse_args()
    bench(args.orders, args.every, args.base_port, args.members, args.timeout)


if __name__ == "__main__":
    main()
