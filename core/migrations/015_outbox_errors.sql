-- A message that failed keeps its error as the core's error tree has it (kind, the key of the console's
-- words, the parameters they name) beside the English `last_error`, so the Activity page words a render
-- failure (its part, line and what went wrong) in the reader's language. Rows from before have none
-- (NULL): the page shows their `last_error` as it is.

ALTER TABLE outbox ADD COLUMN error_kind VARCHAR;
ALTER TABLE outbox ADD COLUMN error_key VARCHAR;
ALTER TABLE outbox ADD COLUMN error_params JSON;
