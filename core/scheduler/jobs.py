"""Every job the scheduler runs: one sync job per shop that syncs over the network, then the fixed ones."""
from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable

import duckdb

from core.automations import jobs as automations
from core.integrations import syncs_over_network
from core.loyalty import jobs as loyalty
from core.scheduler.job import Job
from core.shops.registry import Shop, shops
from core.store import Store
from core.sync import jobs as sync
from core.sync import webhooks


def run_webhook_syncs(store: Store, now: dt.datetime, stop: threading.Event) -> str:
    """The syncs the shops' webhooks asked for, then at once the evaluation, dispatch and issuance that read
    what they brought in: a purchase or a delivery a webhook announced is acted on in seconds, not at those
    jobs' next turn (they still run on their own intervals as well)."""
    summary = sync.run_webhooks(store, now, stop)
    if summary == sync.NO_EVENTS or stop.is_set():
        return summary
    return "; ".join([summary, automations.run_evaluate(store, now, stop), automations.run_dispatch(store, now, stop),
                      loyalty.run_issue(store, now, stop)])


def webhooks_idle(store: Store, con: duckdb.DuckDBPyConnection, now: dt.datetime) -> bool:
    return not webhooks.has_pending(con)


FIXED_JOBS: tuple[Job, ...] = (
    Job("automations:evaluate", automations.EVALUATE_EVERY, automations.run_evaluate),
    Job("automations:dispatch", automations.DISPATCH_EVERY, automations.run_dispatch, automations.dispatch_idle,
        automations.NOTHING_DUE),
    Job("automations:attribute", automations.ATTRIBUTE_EVERY, automations.run_attribute),
    Job("automations:purge_carts", automations.PURGE_EVERY, automations.run_purge),
    Job("loyalty:issue", loyalty.ISSUE_EVERY, loyalty.run_issue),
    Job("loyalty:alimtalk", loyalty.NOTIFY_EVERY, loyalty.run_notify, loyalty.notify_idle, automations.NOTHING_DUE),
)

WEBHOOK_JOB = Job("sync:webhooks", sync.WEBHOOKS_EVERY, run_webhook_syncs, webhooks_idle, sync.NO_EVENTS)
WEBHOOK_PLATFORMS = frozenset({"cafe24"})
"""The platforms whose shops push events to the public endpoints (core/public/webhooks.py)."""


def sync_jobs(connected: Iterable[Shop]) -> list[Job]:
    """A sync job for each enabled shop whose platform is synced over the network (not CSV shops)."""
    return [Job(f"sync:{s.shop_id}", dt.timedelta(minutes=s.sync_interval_minutes), sync.sync_job(s.shop_id))
            for s in connected if s.enabled and syncs_over_network(s.platform)]


def webhook_jobs(connected: Iterable[Shop]) -> list[Job]:
    """The webhook syncs' job, while a shop that can send webhooks is connected: a store of CSV or other
    shops never runs it."""
    return [WEBHOOK_JOB] if any(s.enabled and s.platform in WEBHOOK_PLATFORMS for s in connected) else []


def planned(con: duckdb.DuckDBPyConnection) -> list[Job]:
    """The jobs of this tick, in the order they run, read in the unit of work the tick already holds."""
    connected = shops(con)
    return [*sync_jobs(connected), *FIXED_JOBS, *webhook_jobs(connected)]
