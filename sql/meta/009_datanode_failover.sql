-- Datanode failover (docs/operations.md, "A datanode's primary is lost"): a datanode being
-- failed over to its replica is fenced (brokers do not use it; fenced_ms 0 = not fenced),
-- and each broker reports the topology version it serves, so the metaserver knows when
-- every broker stopped writing to the old primary. Numbered 009: 008 is access control's.
ALTER TABLE datanodes
  ADD COLUMN IF NOT EXISTS fenced_ms BIGINT NOT NULL DEFAULT 0;

ALTER TABLE brokers
  ADD COLUMN IF NOT EXISTS topology_version BIGINT NOT NULL DEFAULT 0;
