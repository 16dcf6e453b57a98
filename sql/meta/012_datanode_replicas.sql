-- Metadata database, version 12 (011 is the Kafka listeners).
-- Automatic datanode failover (docs/operations.md, "Automatic failover"): the MariaDB
-- replicas of each datanode's primary, which the active metaserver may promote, and the
-- datanode's epoch, bumped whenever the datanode is fenced for a failover. Brokers write to a
-- datanode only under the epoch they read (and acknowledge a write only if the epoch did not
-- move meanwhile), so a primary that was failed away from never takes an acknowledged write.
-- state: `replica` (a candidate for promotion) or `stale` (a former primary: the metaserver
-- sets it read_only whenever it answers, until `mqctl datanode rebuild-replica` or
-- `add-replica` makes it a replica again).
ALTER TABLE datanodes
  ADD COLUMN IF NOT EXISTS epoch BIGINT NOT NULL DEFAULT 0;

CREATE TABLE IF NOT EXISTS datanode_replicas (
  datanode_id INT NOT NULL,
  host VARCHAR(255) NOT NULL,
  port INT NOT NULL,
  state VARCHAR(16) NOT NULL DEFAULT 'replica',
  added_ms BIGINT NOT NULL,
  PRIMARY KEY (datanode_id, host, port)
) ENGINE = InnoDB;
