-- Metadata database, version 11: each broker's Kafka listener (docs/kafka.md), so that a
-- Kafka Metadata answer lists every live broker's Kafka address. kafka_port 0: the broker
-- serves no Kafka listener (kafka-listen empty).
ALTER TABLE brokers
  ADD COLUMN IF NOT EXISTS kafka_host VARCHAR(255) NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS kafka_port INT NOT NULL DEFAULT 0;
