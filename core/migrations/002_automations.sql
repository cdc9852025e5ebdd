-- Automations and the outbox: what to send, to whom, and the fate of every message.

CREATE TABLE automations (
    automation_id  VARCHAR PRIMARY KEY,
    shop_id        VARCHAR NOT NULL,
    name           VARCHAR NOT NULL,
    trigger        VARCHAR NOT NULL,           -- purchased | no_first_purchase | no_repurchase | signup | cart_abandoned | delivered
    trigger_params JSON NOT NULL DEFAULT '{}', -- days, product_keys, category_keys, threshold_minutes, ...
    action         VARCHAR NOT NULL DEFAULT 'email',  -- email | alimtalk | stamp | warranty
    delay_minutes  INTEGER NOT NULL DEFAULT 0,
    max_lateness_minutes INTEGER,              -- NULL: the trigger's default
    is_advertising BOOLEAN NOT NULL DEFAULT TRUE,
    status         VARCHAR NOT NULL DEFAULT 'draft',  -- draft | running | paused
    template_id    VARCHAR,
    subject        VARCHAR,
    preheader      VARCHAR,
    sender_name    VARCHAR,
    sender_email   VARCHAR,
    audience       JSON,                       -- an optional audience filter (segment)
    evaluated_until TIMESTAMPTZ,               -- occurrences that became true up to here were considered
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);

-- Every status change, so "was it running when this became true?" has an answer.
CREATE TABLE automation_status_log (
    automation_id  VARCHAR NOT NULL,
    status         VARCHAR NOT NULL,
    changed_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (automation_id, changed_at)
);

CREATE TABLE templates (
    template_id    VARCHAR PRIMARY KEY,
    shop_id        VARCHAR,
    name           VARCHAR NOT NULL,
    trigger        VARCHAR,
    subject        VARCHAR NOT NULL,
    preheader      VARCHAR,
    html           VARCHAR NOT NULL,
    text           VARCHAR,
    updated_at     TIMESTAMPTZ NOT NULL
);

-- Per shop: who sends, how to reach them, the frequency cap. The SMTP password lives in the secrets file.
CREATE TABLE sender_settings (
    shop_id        VARCHAR PRIMARY KEY,
    sender_name    VARCHAR NOT NULL,
    sender_email   VARCHAR NOT NULL,
    sender_contact VARCHAR NOT NULL,           -- address and phone shown in advertising e-mails
    smtp_host      VARCHAR,
    smtp_port      INTEGER,
    smtp_security  VARCHAR NOT NULL DEFAULT 'starttls',  -- none | starttls | tls
    smtp_username  VARCHAR,
    frequency_cap_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    frequency_cap_hours   INTEGER NOT NULL DEFAULT 24,
    updated_at     TIMESTAMPTZ NOT NULL
);

-- One row per outbound action; the idempotency key (automation, occurrence) is unique,
-- so a message is planned once whatever happens.
CREATE TABLE outbox (
    message_id     VARCHAR PRIMARY KEY,        -- derived from the idempotency key
    idempotency_key VARCHAR NOT NULL UNIQUE,
    automation_id  VARCHAR NOT NULL,
    shop_id        VARCHAR NOT NULL,
    member_key     VARCHAR,
    occurrence_key VARCHAR NOT NULL,           -- order, member, cart, ... per the trigger
    channel        VARCHAR NOT NULL,           -- email | alimtalk | sms
    recipient      VARCHAR,
    state          VARCHAR NOT NULL,           -- pending | sending | sent | failed | dead | skipped | cancelled | unknown
    reason         VARCHAR,                    -- why skipped / cancelled / dead
    became_true_at TIMESTAMPTZ NOT NULL,
    due_at         TIMESTAMPTZ NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ,
    last_error     VARCHAR,
    context        JSON,                       -- merge data frozen when planned
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    sent_at        TIMESTAMPTZ
);

CREATE TABLE unsubscribes (
    shop_id        VARCHAR NOT NULL,
    member_key     VARCHAR NOT NULL,
    channel        VARCHAR NOT NULL,           -- email | sms | alimtalk | all
    unsubscribed_at TIMESTAMPTZ NOT NULL,
    source         VARCHAR,                    -- link | one-click | console | platform
    PRIMARY KEY (shop_id, member_key, channel)
);

CREATE TABLE tracking_events (
    message_id     VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,           -- open | click
    url            VARCHAR,
    occurred_at    TIMESTAMPTZ NOT NULL,
    user_agent     VARCHAR
);

-- An order credited to the message whose click preceded it within the attribution window.
CREATE TABLE attributions (
    shop_id        VARCHAR NOT NULL,
    order_key      VARCHAR NOT NULL,
    message_id     VARCHAR NOT NULL,
    revenue        DECIMAL(18, 2) NOT NULL,
    attributed_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (shop_id, order_key)
);
