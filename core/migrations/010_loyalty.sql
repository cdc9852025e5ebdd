-- Loyalty: stamp and warranty settings per shop, the stamp ledger, rewards, warranties.
-- Settings are JSON read through core.loyalty.settings (dataclasses validate them); `active_from` is when the
-- feature was last switched on: only deliveries from then on count (switching on never backfills history).

CREATE TABLE loyalty_settings (
    shop_id        VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,           -- stamp | warranty | alimtalk
    enabled        BOOLEAN NOT NULL DEFAULT FALSE,
    active_from    TIMESTAMPTZ,
    settings       JSON NOT NULL DEFAULT '{}',
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (shop_id, kind)
);

-- One stamp row per order, whatever happens: the key is the order.
CREATE TABLE stamps (
    shop_id        VARCHAR NOT NULL,
    order_key      VARCHAR NOT NULL,
    member_key     VARCHAR NOT NULL,
    moment         VARCHAR NOT NULL,           -- delivery_complete (more moments may come)
    stamps         INTEGER NOT NULL,           -- how many this order gave
    total_after    INTEGER NOT NULL,           -- the member's stamps including this order's
    card_size      INTEGER NOT NULL,           -- the card size when it was given
    earned_at      TIMESTAMPTZ NOT NULL,       -- the moment (delivery complete)
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (shop_id, order_key)
);
CREATE INDEX stamps_member ON stamps (shop_id, member_key);

-- A reward per filled card, once: the key is the card's number in the member's ledger.
CREATE TABLE stamp_rewards (
    shop_id        VARCHAR NOT NULL,
    member_key     VARCHAR NOT NULL,
    card_no        INTEGER NOT NULL,
    reward         VARCHAR NOT NULL,           -- e.g. a coupon code
    order_key      VARCHAR NOT NULL,           -- the order whose stamp filled the card
    issued_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (shop_id, member_key, card_no)
);

-- One warranty per order item. `code` (unguessable) exists once issued; a pending item has none.
CREATE TABLE warranties (
    shop_id        VARCHAR NOT NULL,
    item_key       VARCHAR NOT NULL,
    order_key      VARCHAR NOT NULL,
    member_key     VARCHAR,
    product_key    VARCHAR,
    status         VARCHAR NOT NULL,           -- pending | issued | revoked
    code           VARCHAR UNIQUE,
    ordered_at     TIMESTAMPTZ,
    delivered_at   TIMESTAMPTZ NOT NULL,
    issued_at      TIMESTAMPTZ,
    issued_by      VARCHAR,                    -- scheduler | console
    valid_until    DATE,
    -- what the certificate shows, frozen when issued (a certificate does not change with later settings)
    product_name   VARCHAR,
    image_url      VARCHAR,
    option_text    VARCHAR,
    details        JSON,                       -- [[label, value], ...]
    holder_name    VARCHAR,
    revoked_at     TIMESTAMPTZ,
    revoked_reason VARCHAR,
    revoked_by     VARCHAR,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (shop_id, item_key)
);
