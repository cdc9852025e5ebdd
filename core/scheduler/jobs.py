"""Every job the scheduler runs: one sync job per shop that syncs over the network, then the fixed ones."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb

from core.automations import jobs as automations
from core.integrations import syncs_over_network
from core.loyalty import jobs as loyalty
from core.scheduler.job import Job
from core.shops.registry import Shop, shops
from core.sync import jobs as sync

FIXED_JOBS: tuple[Job, ...] = (
    Job("automations:evaluate", automations.EVALUATE_EVERY, automations.run_evaluate),
    Job("automations:dispatch", automations.DISPATCH_EVERY, automations.run_dispatch),
    Job("automations:attribute", automations.ATTRIBUTE_EVERY, automations.run_attribute),
    Job("automations:purge_carts", automations.PURGE_EVERY, automations.run_purge),
    Job("loyalty:issue", loyalty.ISSUE_EVERY, loyalty.run_issue),
    Job("loyalty:alimtalk", loyalty.NOTIFY_EVERY, loyalty.run_notify),
    Job("sync:webhooks", sync.WEBHOOKS_EVERY, sync.run_webhooks),
)


def sync_jobs(connected: Iterable[Shop]) -> list[Job]:
    """A sync job for each enabled shop whose platform is synced over the network (not CSV shops)."""
    return [Job(f"sync:{s.shop_id}", dt.timedelta(minutes=s.sync_interval_minutes), sync.sync_job(s.shop_id))
            for s in connected if s.enabled and syncs_over_network(s.platform)]


def planned(con: duckdb.DuckDBPyConnection) -> list[Job]:
    """The jobs of this tick, in the order they run, read in the unit of work the tick already holds."""
    return [*sync_jobs(shops(con)), *FIXED_JOBS]
