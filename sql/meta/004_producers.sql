-- Metadata database, version 4: idempotent producers. A producer gets an id and an epoch
-- from initProducer; a named producer (e.g. an outbox relay) keeps its id across restarts
-- and each restart bumps the epoch, which fences the older instances.
CREATE TABLE IF NOT EXISTS producers (
  id         BIGINT AUTO_INCREMENT PRIMARY KEY,
  name       VARCHAR(255) NULL UNIQUE,
  epoch      SMALLINT     NOT NULL DEFAULT 0,
  created_ms BIGINT       NOT NULL,
  updated_ms BIGINT       NOT NULL
) ENGINE=InnoDB;
