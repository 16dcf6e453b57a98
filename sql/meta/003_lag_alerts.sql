-- Metadata database, version 3: the lag collector's lease, lag alert rules and their event
-- history (see docs/lag-and-alerts.md).

-- Named leases: at most one process holds a lease until expires_ms (the database's clock).
-- A holder renews by a conditional UPDATE (WHERE holder = me OR expires_ms < now); a
-- contender takes an expired lease the same way, or creates a missing one with INSERT IGNORE.
-- The lag collector runs only in the metaserver that holds the `lag-collector` lease.
CREATE TABLE IF NOT EXISTS leases (
  name       VARCHAR(64)  PRIMARY KEY,
  holder     VARCHAR(255) NOT NULL,
  expires_ms BIGINT       NOT NULL
) ENGINE=InnoDB;

-- Alert rules on consumer lag. state/state_since_ms/last_value are written by the active
-- lag collector each cycle, so a collector that takes over carries on where the last left.
CREATE TABLE IF NOT EXISTS alert_rules (
  id             BIGINT AUTO_INCREMENT PRIMARY KEY,
  name           VARCHAR(128)  NOT NULL UNIQUE,
  group_id       VARCHAR(255)  NOT NULL,
  topic          VARCHAR(200)  NOT NULL DEFAULT '',   -- '' = every topic of the group
  kind           VARCHAR(32)   NOT NULL,              -- lag_messages, lag_seconds, status
  threshold      BIGINT        NOT NULL,
  for_ms         BIGINT        NOT NULL,
  webhook_url    VARCHAR(2048) NOT NULL DEFAULT '',
  created_ms     BIGINT        NOT NULL,
  created_by     VARCHAR(128)  NOT NULL DEFAULT '',
  state          VARCHAR(16)   NOT NULL DEFAULT 'ok',  -- ok, pending, firing
  state_since_ms BIGINT        NOT NULL DEFAULT 0,
  last_value     DOUBLE        NOT NULL DEFAULT 0,
  evaluated_ms   BIGINT        NOT NULL DEFAULT 0
) ENGINE=InnoDB;

-- Every transition of a rule to firing and back to resolved. Kept after the rule is deleted
-- (alert_name says which it was); rows older than 30 days are deleted by the collector.
CREATE TABLE IF NOT EXISTS alert_events (
  id         BIGINT AUTO_INCREMENT PRIMARY KEY,
  alert_id   BIGINT        NOT NULL,
  alert_name VARCHAR(128)  NOT NULL,
  group_id   VARCHAR(255)  NOT NULL,
  topic      VARCHAR(200)  NOT NULL DEFAULT '',
  kind       VARCHAR(32)   NOT NULL,
  event      VARCHAR(16)   NOT NULL,                  -- firing, resolved
  at_ms      BIGINT        NOT NULL,
  value      DOUBLE        NOT NULL,
  threshold  BIGINT        NOT NULL,
  message    VARCHAR(1024) NOT NULL DEFAULT '',
  KEY ix_alert_events_name (alert_name, id),
  KEY ix_alert_events_at (at_ms)
) ENGINE=InnoDB;
