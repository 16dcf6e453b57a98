-- Datanode database, version 1: per-partition state. Each partition's messages live in
-- their own table (see partition_table.sql); this table holds the counter that makes
-- offsets dense and visible in order.
--
-- A producer's transaction locks its partition's row (SELECT ... FOR UPDATE), inserts the
-- batch at next_offset.., advances next_offset and commits. The row lock serialises writers
-- of one partition, so offsets are assigned in commit order: no gaps, and no lower offset
-- can become visible after a higher one (PMQ's AUTO_INCREMENT lost messages that way).
CREATE TABLE IF NOT EXISTS mq_partition_state (
  table_name   VARCHAR(64) PRIMARY KEY,
  next_offset  BIGINT NOT NULL DEFAULT 0,  -- log end: the offset the next message gets
  start_offset BIGINT NOT NULL DEFAULT 0,  -- earliest offset still stored (retention)
  created_ms   BIGINT NOT NULL
) ENGINE=InnoDB;
