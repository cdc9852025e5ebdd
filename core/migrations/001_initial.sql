-- The first schema: shops, their synced records in a platform-neutral shape,
-- sync runs with checkpoints, and the scheduler's jobs and heartbeat.
-- Every record is keyed by (shop_id, the key it has on its platform) and keeps
-- the platform's raw record beside it for audit.

CREATE TABLE shops (
    shop_id        VARCHAR PRIMARY KEY,
    platform       VARCHAR NOT NULL,          -- cafe24 | godomall | naver | wix | csv | sandbox
    name           VARCHAR NOT NULL,
    timezone       VARCHAR NOT NULL DEFAULT 'Asia/Seoul',
    settings       JSON NOT NULL DEFAULT '{}', -- non-secret connection settings (mall id, base URL, ...)
    sync_interval_minutes INTEGER NOT NULL DEFAULT 15,
    enabled        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE members (
    shop_id        VARCHAR NOT NULL,
    member_key     VARCHAR NOT NULL,
    email          VARCHAR,
    name           VARCHAR,
    phone          VARCHAR,
    member_group   VARCHAR,
    signed_up_at   TIMESTAMPTZ,
    email_consent  BOOLEAN NOT NULL DEFAULT FALSE,
    sms_consent    BOOLEAN NOT NULL DEFAULT FALSE,
    night_consent  BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at     TIMESTAMPTZ,
    raw            JSON,
    synced_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (shop_id, member_key)
);

CREATE TABLE orders (
    shop_id        VARCHAR NOT NULL,
    order_key      VARCHAR NOT NULL,
    member_key     VARCHAR,                    -- NULL for guest orders
    email          VARCHAR,
    status         VARCHAR NOT NULL,           -- pending | paid | shipping | delivered | confirmed | cancelled | returned
    ordered_at     TIMESTAMPTZ NOT NULL,
    paid_at        TIMESTAMPTZ,
    delivered_at   TIMESTAMPTZ,
    total_amount   DECIMAL(18, 2) NOT NULL DEFAULT 0,
    currency       VARCHAR NOT NULL DEFAULT 'KRW',
    cart_key       VARCHAR,
    updated_at     TIMESTAMPTZ,
    raw            JSON,
    synced_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (shop_id, order_key)
);

CREATE TABLE order_items (
    shop_id        VARCHAR NOT NULL,
    item_key       VARCHAR NOT NULL,
    order_key      VARCHAR NOT NULL,
    product_key    VARCHAR,
    product_name   VARCHAR,
    option_text    VARCHAR,
    quantity       INTEGER NOT NULL DEFAULT 1,
    unit_price     DECIMAL(18, 2) NOT NULL DEFAULT 0,
    status         VARCHAR NOT NULL,           -- same vocabulary as orders.status
    delivered_at   TIMESTAMPTZ,
    raw            JSON,
    synced_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (shop_id, item_key)
);

CREATE TABLE products (
    shop_id        VARCHAR NOT NULL,
    product_key    VARCHAR NOT NULL,
    name           VARCHAR NOT NULL,
    name_en        VARCHAR,
    supplier_name  VARCHAR,
    model_name     VARCHAR,
    price          DECIMAL(18, 2),
    image_url      VARCHAR,
    category_keys  VARCHAR[],
    detail         JSON,                       -- the product's detail fields (material, origin, ...)
    updated_at     TIMESTAMPTZ,
    raw            JSON,
    synced_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (shop_id, product_key)
);

CREATE TABLE categories (
    shop_id        VARCHAR NOT NULL,
    category_key   VARCHAR NOT NULL,
    name           VARCHAR NOT NULL,
    depth          INTEGER NOT NULL CHECK (depth BETWEEN 1 AND 4), -- 대분류 / 중분류 / 소분류 / 세분류
    parent_key     VARCHAR,
    path           VARCHAR,                    -- '대분류 > 중분류 > ...'
    raw            JSON,
    synced_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (shop_id, category_key)
);

CREATE TABLE carts (
    shop_id        VARCHAR NOT NULL,
    cart_key       VARCHAR NOT NULL,
    member_key     VARCHAR,
    email          VARCHAR,
    status         VARCHAR NOT NULL,           -- open | ordered | recovered
    total_amount   DECIMAL(18, 2) NOT NULL DEFAULT 0,
    currency       VARCHAR NOT NULL DEFAULT 'KRW',
    created_at     TIMESTAMPTZ,
    last_activity_at TIMESTAMPTZ NOT NULL,
    recovery_url   VARCHAR,
    order_key      VARCHAR,
    raw            JSON,
    synced_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (shop_id, cart_key)
);

CREATE TABLE cart_items (
    shop_id        VARCHAR NOT NULL,
    cart_key       VARCHAR NOT NULL,
    line_no        INTEGER NOT NULL,
    product_key    VARCHAR,
    name           VARCHAR,
    image_url      VARCHAR,
    option_text    VARCHAR,
    quantity       INTEGER NOT NULL DEFAULT 1,
    unit_price     DECIMAL(18, 2) NOT NULL DEFAULT 0,
    synced_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (shop_id, cart_key, line_no)
);

CREATE TABLE sync_runs (
    run_id         VARCHAR PRIMARY KEY,
    shop_id        VARCHAR NOT NULL,
    started_by     VARCHAR NOT NULL,           -- scheduler | console | cli
    status         VARCHAR NOT NULL,           -- running | succeeded | failed
    started_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ,
    entity         VARCHAR,                    -- the entity being synced (or that failed)
    pages          INTEGER NOT NULL DEFAULT 0,
    records        INTEGER NOT NULL DEFAULT 0,
    error          VARCHAR
);

CREATE TABLE sync_checkpoints (
    shop_id        VARCHAR NOT NULL,
    entity         VARCHAR NOT NULL,           -- members | orders | products | categories | carts
    cursor         JSON NOT NULL,              -- opaque to the store; the client's resume point
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (shop_id, entity)
);

CREATE TABLE scheduler_jobs (
    job            VARCHAR PRIMARY KEY,        -- e.g. 'sync:shop-1'
    next_due_at    TIMESTAMPTZ NOT NULL,
    last_started_at  TIMESTAMPTZ,
    last_finished_at TIMESTAMPTZ,
    last_status    VARCHAR,
    last_error     VARCHAR
);

CREATE TABLE heartbeat (
    process        VARCHAR PRIMARY KEY,
    pid            INTEGER NOT NULL,
    host           VARCHAR NOT NULL,
    started_at     TIMESTAMPTZ NOT NULL,
    last_tick_at   TIMESTAMPTZ NOT NULL,
    next_jobs      JSON
);

-- Only one scheduler acts on a store: it holds this lease and renews it each tick.
CREATE TABLE scheduler_lease (
    lease          VARCHAR PRIMARY KEY,        -- always 'scheduler'
    holder         VARCHAR NOT NULL,           -- host:pid
    acquired_at    TIMESTAMPTZ NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL        -- wall-clock time, not the business clock
);
