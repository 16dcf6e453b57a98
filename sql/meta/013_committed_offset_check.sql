-- Metadata database, version 13: the log-divergence check of a committed offset
-- (docs/operations.md, "Messages a crash took back"). A consumer that commits the offset
-- right after a message it read also commits that message's append time; whoever resumes
-- from the committed offset sends it with its first fetch, and the broker checks that a
-- database crash did not take the message back. check_offset is the offset of that message:
-- the time counts only while committed_offset = check_offset + 1, so a writer that moves
-- committed_offset without knowing of the check (a reset) turns it off.
ALTER TABLE committed_offsets
  ADD COLUMN IF NOT EXISTS check_offset BIGINT NULL,
  ADD COLUMN IF NOT EXISTS check_append_ms BIGINT NULL;
