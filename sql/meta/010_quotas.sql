-- Metadata database, version 10: rate quotas (docs/security.md#quotas). One row per client
-- (a token's name with `auth = on`, else the request header's client_id) or topic, or the
-- default for every client or topic without its own row (entity_name '*'). A limit of 0 is
-- no limit. Brokers read the table whole with the access policy, every `auth-refresh`, and
-- enforce each limit with a token bucket per broker.

CREATE TABLE IF NOT EXISTS quotas (
  entity_type           VARCHAR(16)  NOT NULL,  -- client | topic
  entity_name           VARCHAR(255) NOT NULL,
  produce_bytes_per_sec BIGINT       NOT NULL DEFAULT 0,
  fetch_bytes_per_sec   BIGINT       NOT NULL DEFAULT 0,
  requests_per_sec      BIGINT       NOT NULL DEFAULT 0,
  updated_ms            BIGINT       NOT NULL,
  updated_by            VARCHAR(255) NOT NULL DEFAULT '',
  PRIMARY KEY (entity_type, entity_name)
) ENGINE=InnoDB;
