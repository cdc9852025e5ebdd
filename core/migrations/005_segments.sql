-- Saved segments: a named group of a shop's address book (주소록) kept as a RULE, never as a
-- member list, so every use (explorer, export, an automation's audience) re-evaluates it
-- against the members and orders of that moment. `rule` is core.segments.Rule.to_dict().

CREATE TABLE segments (
    segment_id     VARCHAR PRIMARY KEY,
    shop_id        VARCHAR NOT NULL,
    name           VARCHAR NOT NULL,
    rule           JSON NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (shop_id, name)
);
