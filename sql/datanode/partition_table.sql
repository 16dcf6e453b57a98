-- One partition's messages. `{table}` is replaced by the partition's table name
-- (mq_t<topic id>_p<partition>). The primary key is the offset: fetches are primary-key
-- range scans (offset >= ? ORDER BY offset LIMIT ?). No secondary index: every insert
-- would pay for it and no hot path needs one.
CREATE TABLE IF NOT EXISTS `{table}` (
  `offset`     BIGINT     NOT NULL PRIMARY KEY,
  `msg_key`    BLOB       NULL,
  `headers`    BLOB       NULL,      -- length-prefixed binary map, see broker/header_codec.h
  `payload`    MEDIUMBLOB NOT NULL,
  `produce_ms` BIGINT     NOT NULL,  -- producer's timestamp
  `append_ms`  BIGINT     NOT NULL   -- broker's time of append
) ENGINE=InnoDB;
