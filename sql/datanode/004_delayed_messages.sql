-- Datanode database, version 4: delayed messages. A message produced with a delivery time
-- in the future waits here, not in its partition, so no consumer can see it early. Brokers
-- move due messages into their partitions (appending them with the partition's row lock,
-- deleting them in the same transaction): none is lost or moved twice.
--
-- ix_due serves the per-datanode scan "what is due now?"; ix_partition_due the move of
-- one partition's due messages in due order. Many pending delayed messages cost only their
-- rows: each scan reads just the due ones.
CREATE TABLE IF NOT EXISTS mq_delayed_messages (
  id            BIGINT AUTO_INCREMENT PRIMARY KEY,
  table_name    VARCHAR(64) NOT NULL,
  deliver_at_ms BIGINT      NOT NULL,
  msg_key       BLOB        NULL,
  headers       BLOB        NULL,
  payload       MEDIUMBLOB  NOT NULL,
  produce_ms    BIGINT      NOT NULL,
  KEY ix_due (deliver_at_ms),
  KEY ix_partition_due (table_name, deliver_at_ms, id)
) ENGINE=InnoDB;
