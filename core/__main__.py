"""`python -m core`: the console's command line."""
from __future__ import annotations

import argparse
import json
import sys
import threading
from typing import Any

from core import clock
from core.log import configure
from core.store import Store


def _store(args: argparse.Namespace, role: str) -> Store:
    return Store(args.db, role=role)


def cmd_init(args: argparse.Namespace) -> int:
    from core.sandbox.setup import connect_sandbox
    store = _store(args, "cli")
    versions = store.migrate()
    print(f"store {store.path} ready at schema version {max(versions)}")
    if args.sandbox_url:
        shop = connect_sandbox(store, args.sandbox_url)
        print(f"sandbox shop '{shop.shop_id}' connected at {args.sandbox_url}")
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    from core.sandbox import opening
    from core.sandbox.server import serve
    start = args.now
    if start is None:  # the mall opened at the first start is served again, further on (`--now`: one of its own)
        try:
            start = opening.opening(opening.path_for(_store(args, "cli").path), seed=args.seed, now=clock.now())
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
    serve(host=args.host, port=args.port, members=args.members, seed=args.seed,
          rate_limit=not args.no_rate_limit, start=start, frozen=args.frozen, pace=args.pace,
          now=args.now or clock.now())
    return 0


def cmd_mailbox(args: argparse.Namespace) -> int:
    from pathlib import Path

    from core import config
    from core.sandbox.mailbox import directory_for, serve
    try:
        port = config.mailbox_port() if args.port is None else args.port
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    directory = Path(args.dir) if args.dir else directory_for(_store(args, "cli").path)
    try:
        serve(directory, host=args.host, port=port, ready=lambda line: print(line, flush=True))
    except OSError as exc:
        print(f"the sandbox mailbox cannot listen on {args.host}:{port} ({exc.strerror or exc}); "
              "stop what uses that port or choose another with --port or SANDBOX_SMTP_PORT", file=sys.stderr)
        return 1
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from core.shops.registry import list_shops
    from core.sync.jobs import run_sync
    store = _store(args, "cli")
    shops = [args.shop] if args.shop else [s.shop_id for s in list_shops(store)]
    if not shops:
        print("no shop is connected: run `python -m core init --sandbox-url URL` or connect one in the console")
        return 1
    failed = 0
    for shop_id in shops:
        result = run_sync(store, shop_id, started_by="cli", entities=args.entity or None,
                          progress=lambda e, r, p: print(f"  {e}: {r} records, {p} pages", file=sys.stderr))
        print(f"{shop_id}: {result.status}, {result.records} records in {result.pages} pages"
              + (f" — {result.error}" if result.error else ""))
        failed += result.status != "succeeded"
    return 1 if failed else 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    from core.scheduler import loop as scheduler
    from core.scheduler.lock import SchedulerRunning
    store = _store(args, "scheduler")
    if args.once:
        try:
            outcomes = scheduler.run_once(store, clock.now())
        except SchedulerRunning as exc:
            print(exc.detail, file=sys.stderr)
            return 3
        for o in outcomes:
            print(f"{o.job}: {o.status} — {o.summary}")
        return 1 if any(o.status != "ok" for o in outcomes) else 0
    if args.public_port:
        # docs/design.md: the scheduler serves the public endpoints, so one long-running process is enough.
        from core.public.app import start_in_thread
        server = start_in_thread(store, host=args.public_host, port=args.public_port)
        print(f"public endpoints on {server.url}", flush=True)
    scheduler.run_forever(store, threading.Event(), tick_seconds=args.tick_seconds)
    return 0


def cmd_public(args: argparse.Namespace) -> int:
    from core.public.app import serve
    serve(_store(args, "public"), host=args.host, port=args.port)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from core.automations.config_io import dumps, export_config
    text = dumps(export_config(_store(args, "cli"), args.shop))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_apply(args: argparse.Namespace) -> int:
    from core.automations.config_io import ConfigError, apply_file
    try:
        report = apply_file(_store(args, "cli"), args.file, now=clock.now(), dry_run=args.dry_run)
    except ConfigError as exc:
        print(exc.detail, file=sys.stderr)
        return 2
    print(("checked, nothing written (--dry-run): " if args.dry_run else "applied: ") + report.summary())
    return 0


def status_report(store: Store) -> dict[str, Any]:
    """`status`: the store's counts, syncs and the scheduler's heartbeat, as one dict."""
    from core.console import overview as ov
    from core.scheduler.status import scheduler_state
    with store.unit() as con:
        (version,) = con.execute("SELECT max(version) FROM schema_migrations").fetchall()[0]
    return {
        "store": str(store.path),
        "schema_version": version,
        "totals": ov.summary(store, now=clock.now()),
        "shops": ov.shops(store),
        "open_sync_errors": ov.open_errors(store),
        "recent_syncs": ov.recent_runs(store, limit=5),
        "scheduler": scheduler_state(store),
    }


def cmd_status(args: argparse.Namespace) -> int:
    print(json.dumps(status_report(_store(args, "cli")), ensure_ascii=False, indent=2, default=str))
    return 0


def cmd_snapshot(args: argparse.Namespace) -> int:
    from core.analyst.snapshot import size_bytes, write_snapshot
    from core.errors import CoreError
    try:
        manifest = write_snapshot(_store(args, "cli"), args.out, now=clock.now(), shop_id=args.shop)
    except CoreError as exc:
        print(exc.detail or str(exc), file=sys.stderr)
        return 2
    rows = sum(t["rows"] for t in manifest["tables"].values())
    print(f"snapshot of {len(manifest['tables'])} tables ({rows} rows, {size_bytes(args.out) / 1e6:.1f} MB) "
          f"written to {args.out} at {manifest['taken_at']}, schema version {manifest['schema_version']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    # --db and --now work before or after the command (`python -m core scheduler --once --now ...`).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help="the store file (default: $CONSOLE_DB or data/console.duckdb)")
    common.add_argument("--now", type=clock.parse_instant, metavar="ISO8601", default=argparse.SUPPRESS,
                        help="run as if it were this instant, e.g. 2026-01-10T09:00:00+09:00")
    parser = argparse.ArgumentParser(prog="python -m core", parents=[common],
                                     description="The shop CRM console's command line.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", parents=[common],
                       help="create or upgrade the store; optionally connect the sandbox shop",
                       description="Create the store (or apply missing migrations) and optionally connect "
                                   "the sandbox shop.")
    p.add_argument("--sandbox-url", help="connect the sandbox shop served at this URL, e.g. http://127.0.0.1:8624")
    p.set_defaults(run=cmd_init)

    p = sub.add_parser("sandbox", parents=[common], help="serve a simulated Cafe24 mall on loopback",
                       description="Serve a deterministic simulated Korean mall that speaks the Cafe24 Admin API, "
                                   "moving forward with the clock. The mall opened at the first start (kept in "
                                   "sandbox.json beside the store) is the one served at every later start.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8624)
    p.add_argument("--members", type=int, default=5000, help="how many members the mall starts with")
    p.add_argument("--seed", type=int, default=7, help="the seed that makes the mall (same seed, same mall)")
    p.add_argument("--no-rate-limit", action="store_true", help="turn off the Cafe24 call-limit bucket")
    p.add_argument("--frozen", action="store_true", help="keep the mall still (no new members, orders or deliveries)")
    p.add_argument("--pace", choices=("lively", "quiet"), default="lively",
                   help="lively (default): sign-ups, carts, orders and deliveries every minute or so, for a first "
                        "visit to see; quiet: the pace of a real mall, a few a day")
    p.set_defaults(run=cmd_sandbox)

    p = sub.add_parser("mailbox", parents=[common], help="serve the sandbox mailbox: an SMTP server keeping .eml files",
                       description="Serve an SMTP server on loopback that accepts every message and keeps it as "
                                   "one .eml file (named so that files sort by arrival), for the console's "
                                   "sandbox mailbox page.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=None, help="default: $SANDBOX_SMTP_PORT or 8626")
    p.add_argument("--dir", help="keep messages here (default: mailbox/ beside the store, data/mailbox/)")
    p.set_defaults(run=cmd_mailbox)

    p = sub.add_parser("sync", parents=[common], help="sync connected shops into the store now",
                       description="Sync every connected shop (or one) now, from each entity's last checkpoint.")
    p.add_argument("--shop", help="only this shop id")
    p.add_argument("--entity", action="append",
                   help="only this entity (repeatable): categories, products, members, orders, carts")
    p.set_defaults(run=cmd_sync)

    p = sub.add_parser("scheduler", parents=[common], help="run the scheduler (sync, triggers, dispatch, heartbeat)",
                       description="Run every due job on a timer until SIGTERM; with --once, run what is due "
                                   "once and exit.")
    p.add_argument("--once", action="store_true", help="run every due job once and exit")
    p.add_argument("--tick-seconds", type=float, default=5.0, help="how often to look for due jobs")
    p.add_argument("--public-port", type=int, default=0,
                   help="also serve the public endpoints (unsubscribe, tracking, certificates) on this port")
    p.add_argument("--public-host", default="127.0.0.1")
    p.set_defaults(run=cmd_scheduler)

    p = sub.add_parser("status", parents=[common], help="print the store's counts, syncs and scheduler state as JSON",
                       description="Print members, orders, revenue, carts, last syncs and the scheduler heartbeat.")
    p.set_defaults(run=cmd_status)

    p = sub.add_parser("public", parents=[common], help="serve the public links: unsubscribe, open pixel, clicks",
                       description="Serve the endpoints recipients reach at PUBLIC_BASE_URL: the unsubscribe page "
                                   "and one-click unsubscribe, the open pixel and tracked links.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8625)
    p.set_defaults(run=cmd_public)

    p = sub.add_parser("export", parents=[common], help="write automations, templates and sender settings as TOML",
                       description="Export automations, templates and sender settings (no passwords) as TOML, "
                                   "to review and version them; `apply` reads the file back.")
    p.add_argument("--shop", help="only this shop id")
    p.add_argument("--out", help="write to this file instead of standard output")
    p.set_defaults(run=cmd_export)

    p = sub.add_parser("apply", parents=[common], help="apply a TOML file of automations, templates, sender settings",
                       description="Check every entry of the file (errors name the entry and the field) and, "
                                   "only if all are valid, create or update them in one go.")
    p.add_argument("file", help="the TOML file, as written by `export`")
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    p.set_defaults(run=cmd_apply)

    p = sub.add_parser("snapshot", parents=[common], help="copy the store (or one shop) to Parquet files for analysts",
                       description="Write every table (or one shop's rows) as Parquet files plus a manifest.json, "
                                   "in one unit of work, for long queries in a notebook while the scheduler works.")
    p.add_argument("--out", required=True, help="the folder to write (new, empty, or an earlier snapshot)")
    p.add_argument("--shop", help="only this shop id")
    p.set_defaults(run=cmd_snapshot)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Not parser.set_defaults: that would change the shared --db/--now actions' defaults, and the command's
    # parser would then overwrite a value given before the command with None.
    for name in ("db", "now"):
        if not hasattr(args, name):
            setattr(args, name, None)
    configure()
    if args.now:
        clock.set_clock(clock.FixedClock(args.now) if getattr(args, "once", False) or args.command != "scheduler"
                        else clock.OffsetClock(args.now))
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
