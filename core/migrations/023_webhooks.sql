-- Shop webhooks (Cafe24): each shop's unguessable webhook address, and the events received there.
-- An event is kept by a digest of its body, so a delivery sent twice is one row; `processed_at` is set
-- once the incremental sync it started has brought in what it names (or it gave up after its attempts).
-- Written by core/sync/webhooks.py only.

CREATE TABLE webhook_addresses (
    shop_id     VARCHAR PRIMARY KEY,
    token       VARCHAR NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE webhook_events (
    shop_id      VARCHAR NOT NULL,
    event_id     VARCHAR NOT NULL,
    event_no     INTEGER NOT NULL,
    entity       VARCHAR NOT NULL,          -- what it names: members | orders
    member_key   VARCHAR,
    order_key    VARCHAR,
    received_at  TIMESTAMPTZ NOT NULL,
    processed_at TIMESTAMPTZ,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   VARCHAR,
    PRIMARY KEY (shop_id, event_id)
);
