"""What the Overview page shows: the first-run guide, counts, revenue, carts, orders by day, the last
sync and the sync errors still standing. The shop list and the sync history here are read by the Integrations page and
the sidebar too.

Each function opens the store for one unit of work and closes it (a page
caches the result with `st.cache_data`, never the connection). `store` may be
a `Store`, a path, or None for the default store, so a page can key its cache
on the path. Results are plain dicts, lists and polars frames, ready to cache.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any, TypedDict, cast
from zoneinfo import ZoneInfo

import polars as pl

from core import clock, i18n
from core.automations import manage
from core.console import integrations
from core.console.common import StoreLike, open_store, store_path
from core.i18n import t
from core.segments import explorer

__all__ = ["StoreLike", "open_store", "store_path"]

Frame = pl.DataFrame  # what the charts take

# Statuses of an order that was paid and stands (cancelled, returned and unpaid ones do not count as revenue).
PAID_STATUSES = ("paid", "shipping", "delivered", "confirmed")
# docs/design.md: a cart is abandoned one hour after its last activity.
ABANDONED_AFTER = dt.timedelta(hours=1)
RECENT = dt.timedelta(days=30)
# Tables whose rows a shop's sync brings in, in the order they are shown.
SYNCED_TABLES = ("members", "orders", "products", "categories", "carts")

def _shop_filter(shop_id: str | None, column: str = "shop_id") -> tuple[str, list[Any]]:
    return (f" AND {column} = ?", [shop_id]) if shop_id else ("", [])


def _number(value: Any) -> float:
    return float(value) if isinstance(value, Decimal) else float(value or 0)


class Summary(TypedDict):
    shop_id: str | None
    as_of: dt.datetime
    members: int
    members_recent: int
    orders: int
    orders_recent: int
    revenue: float
    revenue_recent: float
    currencies: list[str]
    carts_open: int
    carts_abandoned: int
    # Per consent field (email_consent, sms_consent, night_consent): members who consent yes / no / unknown.
    consent: dict[str, dict[str, int]]


def summary(store: StoreLike = None, shop_id: str | None = None,
            now: dt.datetime | None = None) -> Summary:
    """Members, orders, paid revenue and carts of one shop (or all shops), with their last 30 days."""
    now = now or clock.now()
    recent_from, abandoned_before = now - RECENT, now - ABANDONED_AFTER
    where, params = _shop_filter(shop_id)
    paid = ", ".join(f"'{s}'" for s in PAID_STATUSES)
    with open_store(store).unit() as con:
        members, members_recent = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE signed_up_at >= ?) FROM members WHERE TRUE{where}",
            [recent_from, *params]).fetchall()[0]  # an aggregate: always one row
        orders, orders_recent, revenue, revenue_recent, currencies = con.execute(
            f"""SELECT count(*),
                       count(*) FILTER (WHERE ordered_at >= ?),
                       coalesce(sum(total_amount) FILTER (WHERE status IN ({paid})), 0),
                       coalesce(sum(total_amount) FILTER (WHERE status IN ({paid})
                                AND coalesce(paid_at, ordered_at) >= ?), 0),
                       list(DISTINCT currency)
                FROM orders WHERE TRUE{where}""",
            [recent_from, recent_from, *params]).fetchall()[0]  # an aggregate: always one row
        carts_open, carts_abandoned = con.execute(
            f"""SELECT count(*) FILTER (WHERE last_activity_at > ?),
                       count(*) FILTER (WHERE last_activity_at <= ? AND order_key IS NULL)
                FROM carts WHERE status = 'open'{where}""",
            [abandoned_before, abandoned_before, *params]).fetchall()[0]  # an aggregate: always one row
        consent = explorer.consent_counts(con, f"SELECT shop_id, member_key FROM members WHERE TRUE{where}", params)
    return Summary(
        shop_id=shop_id,
        as_of=now,
        members=members,
        members_recent=members_recent,
        orders=orders,
        orders_recent=orders_recent,
        revenue=_number(revenue),
        revenue_recent=_number(revenue_recent),
        currencies=sorted(c for c in (currencies or []) if c) or ["KRW"],
        carts_open=carts_open,
        carts_abandoned=carts_abandoned,
        consent=consent,
    )


def orders_by_day(store: StoreLike = None, shop_id: str | None = None, days: int = 30,
                  tz: str = clock.DEFAULT_TZ, now: dt.datetime | None = None) -> pl.DataFrame:
    """Orders and paid revenue per day of the shop's calendar for the last `days` days, zeros included."""
    now = now or clock.now()
    last_day = clock.local(now, tz).date()
    first_day = last_day - dt.timedelta(days=days - 1)
    where, params = _shop_filter(shop_id)
    paid = ", ".join(f"'{s}'" for s in PAID_STATUSES)
    with open_store(store).unit() as con:
        counted = con.sql(
            f"""SELECT CAST(timezone(?, ordered_at) AS DATE) AS day, count(*) AS orders,
                       CAST(coalesce(sum(total_amount) FILTER (WHERE status IN ({paid})), 0) AS DOUBLE) AS revenue
                FROM orders
                WHERE ordered_at >= ? AND ordered_at <= ?{where}
                GROUP BY day""",
            params=[tz, dt.datetime.combine(first_day, dt.time(), ZoneInfo(tz)), now, *params]).pl()
    calendar = pl.DataFrame({"day": pl.date_range(first_day, last_day, "1d", eager=True)})
    return (calendar.join(counted, on="day", how="left")
            .with_columns(pl.col("orders").fill_null(0).cast(pl.Int64), pl.col("revenue").fill_null(0.0))
            .sort("day"))


_RUN_COLUMNS = ("run_id, shop_id, started_by, status, started_at, finished_at, entity, pages, records, error, "
                "error_kind, error_key, error_params")


class SyncRun(TypedDict):
    run_id: str
    shop_id: str
    started_by: str
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    entity: str | None
    pages: int
    records: int
    error: str | None
    error_kind: str | None
    error_key: str | None
    error_params: str | None


def _runs(rows: list[tuple[Any, ...]]) -> list[SyncRun]:
    names = [c.strip() for c in _RUN_COLUMNS.split(",")]
    return [cast(SyncRun, dict(zip(names, row, strict=True))) for row in rows]


def recent_runs(store: StoreLike = None, shop_id: str | None = None, limit: int = 20) -> list[SyncRun]:
    """The latest sync runs, newest first."""
    where, params = _shop_filter(shop_id)
    with open_store(store).unit() as con:
        rows = con.execute(f"SELECT {_RUN_COLUMNS} FROM sync_runs WHERE TRUE{where} "
                           f"ORDER BY started_at DESC, run_id LIMIT ?", [*params, limit]).fetchall()
    return _runs(rows)


def sync_history(store: StoreLike, shop_id: str, limit: int = 20) -> list[SyncRun]:
    return recent_runs(store, shop_id, limit)


def open_errors(store: StoreLike = None, shop_id: str | None = None, limit: int = 10) -> list[SyncRun]:
    """Failed runs not yet followed by a successful one of the same shop: the errors still standing."""
    where, params = _shop_filter(shop_id, "r.shop_id")
    with open_store(store).unit() as con:
        rows = con.execute(
            f"""SELECT {", ".join("r." + c.strip() for c in _RUN_COLUMNS.split(","))}
                FROM sync_runs r
                WHERE r.status = 'failed'{where}
                  AND NOT EXISTS (SELECT 1 FROM sync_runs s WHERE s.shop_id = r.shop_id
                                  AND s.status = 'succeeded' AND s.started_at > r.started_at)
                ORDER BY r.started_at DESC LIMIT ?""", [*params, limit]).fetchall()
    return _runs(rows)


class LastSync(TypedDict):
    latest: SyncRun
    last_success_at: dt.datetime | None


def last_syncs(store: StoreLike = None) -> dict[str, LastSync]:
    """Per shop: its latest run and when it last succeeded."""
    with open_store(store).unit() as con:
        latest = con.execute(
            f"""SELECT {_RUN_COLUMNS} FROM sync_runs
                QUALIFY row_number() OVER (PARTITION BY shop_id ORDER BY started_at DESC, run_id) = 1"""
        ).fetchall()
        succeeded = dict(con.execute(
            "SELECT shop_id, max(finished_at) FROM sync_runs WHERE status = 'succeeded' GROUP BY shop_id"
        ).fetchall())
    return {run["shop_id"]: LastSync(latest=run, last_success_at=succeeded.get(run["shop_id"]))
            for run in _runs(latest)}


def record_counts(store: StoreLike = None) -> dict[str, dict[str, int]]:
    """Per shop: how many members, orders, products, categories and carts the store holds."""
    union = " UNION ALL ".join(f"SELECT shop_id, '{t}' AS entity, count(*) AS n FROM {t} GROUP BY shop_id"
                               for t in SYNCED_TABLES)
    with open_store(store).unit() as con:
        rows = con.execute(union).fetchall()
    counts: dict[str, dict[str, int]] = {}
    for shop_id, entity, n in rows:
        counts.setdefault(shop_id, dict.fromkeys(SYNCED_TABLES, 0))[entity] = n
    return counts


class ShopRow(TypedDict):
    shop_id: str
    platform: str
    name: str
    timezone: str
    settings: dict[str, Any]
    sync_interval_minutes: int
    enabled: bool
    created_at: dt.datetime
    counts: dict[str, int]
    last_run: SyncRun | None
    last_success_at: dt.datetime | None


def shops(store: StoreLike = None) -> list[ShopRow]:
    """Every connected shop with its settings (no secrets), record counts and last sync."""
    store = open_store(store)
    with store.unit() as con:
        rows = con.execute("""SELECT shop_id, platform, name, timezone, settings, sync_interval_minutes, enabled,
                                     created_at FROM shops ORDER BY created_at, shop_id""").fetchall()
    counts, syncs = record_counts(store), last_syncs(store)
    listed = []
    for shop_id, platform, name, tz, settings, interval, enabled, created_at in rows:
        sync = syncs.get(shop_id)
        listed.append(ShopRow(
            shop_id=shop_id, platform=platform, name=name, timezone=tz,
            settings=json.loads(settings or "{}"), sync_interval_minutes=interval, enabled=enabled,
            created_at=created_at,
            counts=counts.get(shop_id, dict.fromkeys(SYNCED_TABLES, 0)),
            last_run=sync["latest"] if sync else None, last_success_at=sync["last_success_at"] if sync else None,
        ))
    return listed


def shop(store: StoreLike, shop_id: str | None) -> ShopRow | None:
    """The shop chosen in the sidebar, or None when it is not (or no longer) connected."""
    return next((s for s in shops(store) if s["shop_id"] == shop_id), None)


class Dashboard(TypedDict):
    now: dt.datetime
    summary: Summary
    by_day: pl.DataFrame
    errors: list[SyncRun]
    syncs: dict[str, LastSync]


def dashboard(store: StoreLike, shop_id: str, tz: str, errors_shown: int = 5) -> Dashboard:
    """Everything the Overview page shows of one shop, as of one reading of the clock."""
    now = clock.now()
    return Dashboard(now=now, summary=summary(store, shop_id, now=now),
                     by_day=orders_by_day(store, shop_id, tz=tz, now=now),
                     errors=open_errors(store, shop_id, limit=errors_shown), syncs=last_syncs(store))


CONSENT_STATES = explorer.CONSENT_STATES


def consent_line(consent: dict[str, dict[str, int]], field: str, lang: str | None = None) -> str:
    """One channel's consent figures in a line: yes, no and unknown each named, unknown never folded into no."""
    figures = consent[field]
    return t("consent.line", lang, channel=t(f"consent.field.{field}", lang),
             **{state: i18n.count(figures[state], lang) for state in CONSENT_STATES})


def sync_error_words(run: SyncRun) -> str:
    """A failed run's error in plain words, naming the step it stopped at."""
    return integrations.explain_error(integrations.run_error(run), run["entity"])


# The first-run guide: the four steps that take a newcomer from "connected" to "seen it sent", in order,
# each with the page that does it. The sender page may be missing from this build: `linkable` says so.
GUIDE_STEPS = ("shop", "sender", "automation", "loyalty")
GUIDE_PAGES = {"shop": "pages/integrations.py", "sender": "pages/sender.py",
               "automation": "pages/automations.py", "loyalty": "pages/loyalty.py"}
_APP_ROOT = Path(__file__).resolve().parents[2]


class GuideStep(TypedDict):
    step: str
    done: bool
    page: str


def guide(store: StoreLike, shop_id: str | None) -> list[GuideStep]:
    """Which first-run steps the chosen shop has done: connected and synced once, a sender with an SMTP host,
    a running automation, stamps or warranties switched on. With no shop, none is done."""
    done = dict.fromkeys(GUIDE_STEPS, False)
    if shop_id:
        with open_store(store).unit() as con:
            done["shop"], done["automation"], done["loyalty"] = con.execute(
                """SELECT EXISTS (SELECT 1 FROM shops s WHERE s.shop_id = $shop AND EXISTS (
                                      SELECT 1 FROM sync_runs r WHERE r.shop_id = s.shop_id
                                      AND r.status = 'succeeded')),
                          EXISTS (SELECT 1 FROM automations WHERE shop_id = $shop AND status = 'running'),
                          EXISTS (SELECT 1 FROM loyalty_settings WHERE shop_id = $shop
                                  AND kind IN ('stamp', 'warranty') AND enabled)""",
                {"shop": shop_id}).fetchall()[0]  # EXISTS: always one row
            # The rule automations start by, so the guide ticks exactly when starting is allowed.
            done["sender"] = manage.has_working_sender(con, shop_id)
    return [GuideStep(step=step, done=bool(done[step]), page=GUIDE_PAGES[step]) for step in GUIDE_STEPS]


def linkable(page: str) -> bool:
    """Whether the console has this page file: a link to a page the navigation lacks would fail the page."""
    return (_APP_ROOT / page).is_file()
