-- One partition's messages. `{table}` is replaced by the partition's table name
-- (mq_t<topic id>_p<partition>). The primary key is the offset: fetches are primary-key
-- range scans (offset >= ? ORDER BY offset LIMIT ?). No secondary index: every insert
-- would pay for it and no hot path needs one.
--
-- Segments: the table is split into native RANGE partitions of a fixed number of offsets
-- (`segment-messages` of the metaserver), named s<first offset>, plus `pmax` for anything
-- beyond the last boundary. Retention drops whole expired segments (ALTER TABLE ... DROP
-- PARTITION: a file removal, not millions of row deletes) and the retention cleaner adds
-- boundaries ahead of the log end while pmax is still empty. `{segments}` is replaced by
-- the initial segment list. Tables made before segments existed have no PARTITION clause;
-- retention deletes their rows in small chunks instead.
CREATE TABLE IF NOT EXISTS `{table}` (
  `offset`     BIGINT     NOT NULL PRIMARY KEY,
  `msg_key`    BLOB       NULL,
  `headers`    BLOB       NULL,      -- length-prefixed binary map, see broker/header_codec.h
  `payload`    MEDIUMBLOB NOT NULL,
  `produce_ms` BIGINT     NOT NULL,  -- producer's timestamp
  `append_ms`  BIGINT     NOT NULL   -- broker's time of append
) ENGINE=InnoDB
PARTITION BY RANGE (`offset`) ({segments});
