"""Attribution: an order placed within the window after a click on a message is credited to that message.

The rule (docs/design.md "Automations"): an order within ATTRIBUTION_WINDOW
(5 days) after a click on a tracked link is credited, with its revenue, to the
message clicked last before the order ("last click", the usual rule of e-mail
tools). An order is credited once: `attributions` is keyed by (shop, order) and
a credit is never moved to a later message. A click is tied to an order by:
- the member (the message's member_key is the order's member_key);
- the cart, for cart e-mails (the message's occurrence is the cart the order came from);
- the e-mail address, for guest orders (no member_key) of the address the message went to.
An order later cancelled or returned loses its credit, so revenue is what the shop kept.

Runs as a scheduler job (`core.automations.jobs.run_attribute` calls this function at the tick's now): one
set-based INSERT over a rescan window, because orders can be synced late.
"""
from __future__ import annotations

import datetime as dt
import logging

from core import clock
from core.log import event
from core.store import Store

log = logging.getLogger("core.automations.attribution")

ATTRIBUTION_WINDOW = dt.timedelta(days=5)
RESCAN = dt.timedelta(days=2)        # orders synced up to this long after they were placed still get credit
LOST_STATUSES = ("cancelled", "returned")

_CREDIT = f"""
INSERT INTO attributions (shop_id, order_key, message_id, revenue, attributed_at)
WITH clicks AS (
    SELECT ob.shop_id, ob.member_key, lower(ob.recipient) AS email, ob.message_id,
           CASE WHEN a.trigger = 'cart_abandoned' THEN ob.occurrence_key END AS cart_key,
           te.occurred_at AS clicked_at
    FROM tracking_events te
    JOIN outbox ob USING (message_id)
    LEFT JOIN automations a ON a.automation_id = ob.automation_id
    WHERE te.kind = 'click' AND te.occurred_at >= $since - $window AND te.occurred_at <= $now),
recent AS (
    SELECT shop_id, order_key, member_key, lower(email) AS email, cart_key, ordered_at, total_amount
    FROM orders
    WHERE ordered_at >= $since AND ordered_at <= $now
      AND status NOT IN {LOST_STATUSES}),
pairs AS (
    SELECT o.*, c.message_id, c.clicked_at FROM recent o
    JOIN clicks c ON c.shop_id = o.shop_id AND c.member_key = o.member_key
    UNION ALL
    SELECT o.*, c.message_id, c.clicked_at FROM recent o
    JOIN clicks c ON c.shop_id = o.shop_id AND c.cart_key = o.cart_key
    UNION ALL
    SELECT o.*, c.message_id, c.clicked_at FROM recent o
    JOIN clicks c ON c.shop_id = o.shop_id AND o.member_key IS NULL AND c.email = o.email),
last_click AS (
    SELECT shop_id, order_key, message_id, total_amount FROM pairs
    WHERE clicked_at <= ordered_at AND ordered_at <= clicked_at + $window
    QUALIFY row_number() OVER (PARTITION BY shop_id, order_key
                               ORDER BY clicked_at DESC, message_id DESC) = 1)
SELECT shop_id, order_key, message_id, total_amount, $now FROM last_click
ON CONFLICT DO NOTHING
"""

_WITHDRAW = f"""
DELETE FROM attributions
WHERE (shop_id, order_key) IN (SELECT shop_id, order_key FROM orders WHERE status IN {LOST_STATUSES})
RETURNING order_key
"""


def attribute(store: Store, now: dt.datetime, *,
              window: dt.timedelta = ATTRIBUTION_WINDOW) -> int:
    """Credit the orders of the rescan period to the message clicked last before each; returns how many."""
    now = clock.require_aware(now)
    since = now - window - RESCAN
    with store.unit() as con:
        before = con.execute("SELECT count(*) FROM attributions").fetchall()[0][0]
        con.execute(_CREDIT, {"since": since, "now": now, "window": window})
        credited = con.execute("SELECT count(*) FROM attributions").fetchall()[0][0] - before
        withdrawn = len(con.execute(_WITHDRAW).fetchall())
    if credited or withdrawn:
        event(log, "attribution.run", credited=credited, withdrawn=withdrawn)
    return credited


def message_revenue(store: Store, message_ids: list[str]) -> dict[str, tuple[int, float]]:
    """(orders, revenue) credited to each of these messages; messages without credit are left out."""
    if not message_ids:
        return {}
    with store.unit() as con:
        rows = con.execute("SELECT message_id, count(*), sum(revenue) FROM attributions "
                           "WHERE list_contains(?, message_id) GROUP BY message_id", [message_ids]).fetchall()
    return {m: (int(n), float(total)) for m, n, total in rows}


__all__ = ["ATTRIBUTION_WINDOW", "attribute", "message_revenue"]
