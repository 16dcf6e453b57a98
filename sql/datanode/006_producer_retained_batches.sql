-- Datanode database, version 6: an idempotent producer's four batches before its last one
-- on each partition ("sequence:count:offset", newest first; storage/producer_batches.h), so
-- that a retry of any of the five batches a client keeps in flight is answered with the
-- offset it was stored at, as Kafka does, instead of only "duplicate".
ALTER TABLE mq_producer_state
  ADD COLUMN IF NOT EXISTS earlier_batches VARCHAR(255) NOT NULL DEFAULT '';
