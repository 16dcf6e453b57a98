-- Metadata database, version 14: a version per consumer group, bumped by every change of its
-- state, members or assignments (not by heartbeats). Brokers copy each change to the groups'
-- standby on a datanode (sql/datanode/009), and the version keeps an older copy from
-- overwriting a newer one there.
ALTER TABLE consumer_groups ADD COLUMN IF NOT EXISTS version BIGINT NOT NULL DEFAULT 0;
