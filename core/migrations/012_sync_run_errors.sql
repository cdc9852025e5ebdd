-- A failed sync run keeps its error as the core's error tree has it: the kind (whether a retry can help),
-- the key of the console's words and the parameters those words name, beside the English message.
-- Runs recorded before these columns have none (NULL): the console explains them in general words.

ALTER TABLE sync_runs ADD COLUMN error_kind VARCHAR;
ALTER TABLE sync_runs ADD COLUMN error_key VARCHAR;
ALTER TABLE sync_runs ADD COLUMN error_params JSON;
