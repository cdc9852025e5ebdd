-- One scheduler at a time is kept by a process lock on a sidecar file (<store>.scheduler.lock), and the
-- heartbeat is a file beside the store (core.scheduler): these two tables have no reader and go.
DROP TABLE IF EXISTS scheduler_lease;
DROP TABLE IF EXISTS heartbeat;
