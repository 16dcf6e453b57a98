-- Metadata database, version 5: retention by size and count, the partition lifecycle
-- (read-only, migrated, retired), datanode decommissioning, deferred table drops and the
-- record of committed offsets moved by retention (see docs/retention-and-lifecycle.md).
-- The retention cleaner and the partition lifecycle task each run in the one metaserver
-- that holds their lease (`leases`, sql/meta/003): `retention-cleaner`, `partition-lifecycle`.

-- Per-partition limits next to retention_ms; 0 = no limit.
ALTER TABLE topics
  ADD COLUMN IF NOT EXISTS retention_bytes    BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS retention_messages BIGINT NOT NULL DEFAULT 0;

-- state: active (writable = 1), read_only (writable = 0; producers skip it), retired (every
-- group consumed it to final_offset; its table is dropped after the grace period). A
-- partition row is never deleted while its topic exists: partition numbers are not reused,
-- because keys hash over the partition count.
ALTER TABLE partitions
  ADD COLUMN IF NOT EXISTS state            VARCHAR(16) NOT NULL DEFAULT 'active',
  ADD COLUMN IF NOT EXISTS replaced_by      INT         NULL,      -- set by a migration
  ADD COLUMN IF NOT EXISTS final_offset     BIGINT      NULL,      -- end offset once retired
  ADD COLUMN IF NOT EXISTS state_changed_ms BIGINT      NOT NULL DEFAULT 0;

-- state: active, decommissioning (placement skips it; its partitions are migrated off),
-- decommissioned (nothing left on it).
ALTER TABLE datanodes
  ADD COLUMN IF NOT EXISTS state VARCHAR(16) NOT NULL DEFAULT 'active';

-- Partition tables to drop once drop_after_ms has passed: tables of retired partitions and
-- of deleted topics. A broker that still has the old topology in its cache never sees a
-- table vanish under a request. dropped_ms is set when the drop succeeded (kept as history).
CREATE TABLE IF NOT EXISTS table_drops (
  datanode_id   INT          NOT NULL,
  table_name    VARCHAR(64)  NOT NULL,
  topic         VARCHAR(200) NOT NULL,
  partition_no  INT          NOT NULL,
  reason        VARCHAR(32)  NOT NULL,   -- retired, topic_deleted
  requested_ms  BIGINT       NOT NULL,
  drop_after_ms BIGINT       NOT NULL,
  dropped_ms    BIGINT       NULL,
  PRIMARY KEY (datanode_id, table_name),
  KEY ix_table_drops_due (dropped_ms, drop_after_ms)
) ENGINE=InnoDB;

-- Every committed offset that retention left below a partition's start offset and that the
-- cleaner moved (reset policy earliest: to the start offset; latest: to the log end).
CREATE TABLE IF NOT EXISTS offset_reset_events (
  id           BIGINT AUTO_INCREMENT PRIMARY KEY,
  at_ms        BIGINT       NOT NULL,
  group_id     VARCHAR(255) NOT NULL,
  topic        VARCHAR(200) NOT NULL,
  partition_no INT          NOT NULL,
  old_offset   BIGINT       NOT NULL,
  new_offset   BIGINT       NOT NULL,
  policy       VARCHAR(16)  NOT NULL,
  reason       VARCHAR(32)  NOT NULL,
  KEY ix_offset_reset_group (group_id, id),
  KEY ix_offset_reset_at (at_ms)
) ENGINE=InnoDB;

-- The cleaner compares each partition's committed offsets with its start offset once per
-- run: `WHERE topic = ?` uses this index instead of scanning every group's offsets. Commits
-- update committed_offset only, which this index does not contain.
ALTER TABLE committed_offsets ADD INDEX IF NOT EXISTS ix_committed_topic (topic, partition_no);
