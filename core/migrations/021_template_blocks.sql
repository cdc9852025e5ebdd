-- A template built in the block editor keeps its block document beside the HTML compiled from it, so the
-- editor can reopen it; the HTML stays what is sent. NULL: a template written in raw HTML (edited as such).

ALTER TABLE templates ADD COLUMN blocks JSON;
