-- Datanode database, version 8: durability marks. A broker serving a consumer that has no
-- log-divergence check (a Kafka client) returns only rows known to be durable: InnoDB shows
-- a commit to readers a moment before its redo log is written, and a kill -9 in between
-- takes the rows back. The redo log is written in order, so once any transaction that
-- began after a read has committed durably, everything that read saw is durable too. When
-- no append of the broker's own began after the read, it commits a mark here (one row per
-- broker, bumped): broker/durable_reads.h.
CREATE TABLE IF NOT EXISTS mq_durability_marks (
  broker VARCHAR(255) NOT NULL PRIMARY KEY,
  marks BIGINT NOT NULL DEFAULT 0,
  marked_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB;
