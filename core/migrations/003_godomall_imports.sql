-- Godomall address-book imports ("고도몰에서 불러오기"): at most 20 a day per Godomall account, each
-- replacing the shop's members (and their groups) with what Godomall holds.
-- `account` is a one-way fingerprint of the partner/user key pair (never the keys).

CREATE TABLE godomall_imports (
    import_id      VARCHAR PRIMARY KEY,
    shop_id        VARCHAR NOT NULL,
    account        VARCHAR NOT NULL,
    started_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ,
    status         VARCHAR NOT NULL,           -- running | succeeded | failed
    records        INTEGER NOT NULL DEFAULT 0, -- members read from Godomall
    removed        INTEGER NOT NULL DEFAULT 0, -- members dropped because Godomall no longer has them
    error          VARCHAR
);
CREATE INDEX godomall_imports_account ON godomall_imports (account, started_at);

-- The member keys an import has read so far; what is not here at the end leaves the address book.
CREATE TABLE godomall_import_seen (
    import_id      VARCHAR NOT NULL,
    member_key     VARCHAR NOT NULL
);
