-- Datanode database, version 7: each partition's latest append time. An append stamps its
-- messages with max(its broker's clock, last_append_ms) under the state row's lock, so append
-- times never go down along a partition's offsets, even when several brokers with clocks a
-- few ms apart (or one broker's groups that read the clock before taking the lock) write to
-- it. Finding the first message appended after a given time (offsetForTime: seeks by time,
-- and the log-divergence check of docs/operations.md, "Messages a crash took back") relies on
-- that order.
ALTER TABLE mq_partition_state ADD COLUMN IF NOT EXISTS last_append_ms BIGINT NOT NULL DEFAULT 0;
