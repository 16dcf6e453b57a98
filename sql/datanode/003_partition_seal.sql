-- Datanode database, version 3: sealing. A read-only partition's state row is sealed: the
-- append transaction reads `sealed` under the same row lock as next_offset and refuses the
-- batch, so even a broker whose cached topology still says "writable" cannot append after
-- the seal, and next_offset is the partition's final end offset. Unsealed when the
-- partition is made writable again.
ALTER TABLE mq_partition_state ADD COLUMN IF NOT EXISTS sealed TINYINT(1) NOT NULL DEFAULT 0;
