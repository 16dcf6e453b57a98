-- Upgrades an outbox table created before claim buckets (by_claim on (status, id), no
-- claim_bucket column) to the layout of outbox_table.sql. `mqctl outbox init` runs it when
-- the table lacks the column; relays keep claiming the old way until then. The ALTER
-- rebuilds the table and holds writes to it while it runs: on an outbox the relays keep
-- short this is a moment; on a large backlog, run it when the application is quiet.
-- The expression is the one of outbox_table.sql.
ALTER TABLE mq_outbox
  ADD COLUMN claim_bucket TINYINT UNSIGNED AS
    (CRC32(CONCAT(topic, x'00', COALESCE(msg_key, created_ms))) % 16) STORED AFTER key_hash,
  DROP KEY by_claim,
  ADD KEY by_claim (status, claim_bucket, id);
