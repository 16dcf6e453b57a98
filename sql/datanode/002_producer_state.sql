-- Datanode database, version 2: the last batch each idempotent producer appended to each
-- partition. Read and written inside the append transaction (under the partition's row
-- lock), so a retried batch is recognised and answered with its original offsets, and
-- nothing is written twice.
CREATE TABLE IF NOT EXISTS mq_producer_state (
  table_name       VARCHAR(64) NOT NULL,
  producer_id      BIGINT      NOT NULL,
  epoch            SMALLINT    NOT NULL,
  last_sequence    INT         NOT NULL,  -- base sequence of the last appended batch
  last_count       INT         NOT NULL,  -- its number of messages
  last_base_offset BIGINT      NOT NULL,  -- its first offset
  updated_ms       BIGINT      NOT NULL,
  PRIMARY KEY (table_name, producer_id)
) ENGINE=InnoDB;
