-- The outbox remembers whether a message was advertising when it was planned (frequency cap and consent
-- must judge the message as it was, not the automation as it is now), and who resolved an `unknown`.
ALTER TABLE outbox ADD COLUMN is_advertising BOOLEAN DEFAULT TRUE;
ALTER TABLE outbox ADD COLUMN resolved_by VARCHAR;
