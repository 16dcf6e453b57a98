-- The transactional outbox: tables an application adds to ITS OWN MySQL/MariaDB schema
-- (MySQL 8.0+ or MariaDB 10.6+: the relay claims rows with FOR UPDATE SKIP LOCKED).
--
-- The application inserts one `mq_outbox` row per event in the same transaction as its
-- business rows (mq::OutboxWriter, or a plain INSERT); mq-outbox-relay publishes the rows
-- and then deletes them (or moves them to `mq_outbox_history`). See docs/outbox.md.
--
-- `mq_outbox` is the default name; with another name (relay --table, mqctl outbox
-- --table) every `mq_outbox` below is replaced by it, which also names the two companion
-- tables (`<table>_history`, `<table>_relays`). `mqctl outbox init --db URL` runs this file.

CREATE TABLE IF NOT EXISTS mq_outbox (
  -- Identity of the event: the order of the outbox (per key) and the dedupe key consumers
  -- see in the `mq-outbox-id` header of the published message.
  id                BIGINT       NOT NULL AUTO_INCREMENT,
  topic             VARCHAR(249) NOT NULL,
  msg_key           BLOB         NULL,      -- message key; NULL: keyless (no order kept)
  headers           BLOB         NULL,      -- mq header encoding (common/header_codec.h)
  payload           MEDIUMBLOB   NOT NULL,
  created_ms        BIGINT       NOT NULL,  -- ms since the epoch, set by the writer
  -- Delivery state, written by the relay only. The claim and stamp columns are NOT NULL
  -- and fixed-width on purpose: claiming then updates the row in place, which costs InnoDB
  -- less than half of an update that changes the record's size (NULL to a value).
  status            ENUM('pending', 'failed') NOT NULL DEFAULT 'pending',
  attempts          INT          NOT NULL DEFAULT 0,  -- refused publishes so far
  next_attempt_ms   BIGINT       NOT NULL DEFAULT 0,  -- not claimed again before (backoff)
  last_error        VARCHAR(1024) NULL,
  claimed_by        BIGINT       NOT NULL DEFAULT 0,  -- holding relay's id (relays table); 0: free
  claim_expires_ms  BIGINT       NOT NULL DEFAULT 0,  -- lease at claim time (informational)
  -- The idempotent producer's stamp, written in the claim transaction BEFORE the publish:
  -- the batch this row is published in is (producer_id, producer_epoch, topic,
  -- publish_partition, publish_sequence), its rows in id order. Whoever finishes the claim
  -- (the relay after a restart, or another relay) re-sends exactly that batch, and the
  -- broker writes it at most once. publish_sequence = -1: no stamp.
  producer_id       BIGINT       NOT NULL DEFAULT 0,
  producer_epoch    SMALLINT     NOT NULL DEFAULT 0,
  publish_partition INT          NOT NULL DEFAULT -1,
  publish_sequence  INT          NOT NULL DEFAULT -1,  -- base sequence of the row's batch
  -- The order domain of the row: events with the same (topic, key) are published in id
  -- order. Computed by the server, so writers in any language get it right.
  key_hash          INT UNSIGNED AS (CRC32(CONCAT(topic, x'00', msg_key))) STORED,
  -- The claim bucket (0..15) of the row: key_hash % 16 for keyed rows (a key's rows share a
  -- bucket), spread by created_ms for keyless ones. Several relays share the buckets among
  -- them (relay i of n claims the buckets b with b % n = i), so they do not hold each
  -- other's keys back; the per-key check below keeps the order while the shares change.
  -- 16 is also the bucket count in outbox/claim_share.h.
  claim_bucket      TINYINT UNSIGNED AS
                      (CRC32(CONCAT(topic, x'00', COALESCE(msg_key, created_ms))) % 16) STORED,
  PRIMARY KEY (id),
  -- Claiming: the oldest free pending rows of one bucket, `status = 'pending' AND
  -- claim_bucket = b AND claimed_by = 0 ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED`, are
  -- read from this index in id order (no sort); failed rows are outside the range, rows
  -- held by relays (a few claims each) are read and passed over, rows another relay is
  -- claiming at this moment are skipped, not waited for. claimed_by is deliberately not in
  -- the index: claiming then changes no index entry (measured: 9 % less database CPU per
  -- event). The price is that finding one relay's claimed rows (only at a relay's start and
  -- at a takeover) reads the pending range.
  KEY by_claim (status, claim_bucket, id),
  -- Per-key order: before claiming rows of a key, the relay reads the key's older rows
  -- (`key_hash IN (...) AND id <= ?`), a range of this index.
  KEY by_key (key_hash, id)
) ENGINE=InnoDB;

-- Published events, for `on-publish = history` (the relay's default is to delete them).
-- Keep it small with a retention job: `DELETE FROM mq_outbox_history WHERE published_ms < ?`
-- in chunks, or partition it by time and drop old partitions.
CREATE TABLE IF NOT EXISTS mq_outbox_history (
  id                  BIGINT       NOT NULL PRIMARY KEY,  -- the outbox id
  topic               VARCHAR(249) NOT NULL,
  msg_key             BLOB         NULL,
  headers             BLOB         NULL,
  payload             MEDIUMBLOB   NOT NULL,
  created_ms          BIGINT       NOT NULL,
  attempts            INT          NOT NULL,
  published_ms        BIGINT       NOT NULL,
  published_partition INT          NOT NULL,
  published_offset    BIGINT       NOT NULL,  -- -1: stored earlier, offset not reported
  relay               VARCHAR(64)  NOT NULL,
  KEY by_published (published_ms)
) ENGINE=InnoDB;

-- One row per relay name; `id` is what the outbox rows' claimed_by holds. `instance` is
-- the fencing token: every start of a relay (and a takeover of a dead relay by another one)
-- increments it, and every claim transaction of a relay checks it under a shared lock, so
-- an older instance of the same name can no longer claim or change rows. The producer id
-- and epoch are the idempotent producer identity the rows stamped by that name carry.
CREATE TABLE IF NOT EXISTS mq_outbox_relays (
  id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name             VARCHAR(64)  NOT NULL UNIQUE,
  instance         BIGINT       NOT NULL,
  owner            VARCHAR(255) NOT NULL,   -- host:pid of the instance (or the reaper)
  producer_id      BIGINT       NULL,
  producer_epoch   SMALLINT     NULL,
  lease_expires_ms BIGINT       NOT NULL,   -- 0: stopped cleanly, holds nothing
  updated_ms       BIGINT       NOT NULL
) ENGINE=InnoDB;
