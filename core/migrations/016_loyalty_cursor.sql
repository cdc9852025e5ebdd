-- Loyalty issuance runs for every shop in one pass and reads only what can have become due since its
-- last run: deliveries whose moment (plus the configured delay) has come since then, and rows a sync
-- wrote since then. `issued_until` is the `now` of the last committed run for this shop and kind; it is
-- written in the same unit of work as what that run issued, and cleared whenever the settings are saved
-- (scope, delay or activation may have changed, so the next run looks again from `active_from`).
ALTER TABLE loyalty_settings ADD COLUMN issued_until TIMESTAMPTZ;
