-- Managing automations. A message already queued keeps the content (subject, preview text, HTML, text and
-- the automation's own sender) it had when its automation was edited: the edit copies the old content
-- into `outbox.content` of the queued rows, and dispatch renders a row's own content when it has one
-- (NULL: the automation's current content, as before). An archived automation (status 'archived') keeps
-- its outbox rows, so its history and statistics stay readable; `archived_at` says since when.

ALTER TABLE outbox ADD COLUMN content JSON;
ALTER TABLE automations ADD COLUMN archived_at TIMESTAMPTZ;
