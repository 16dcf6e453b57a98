-- Metadata database, version 8: data-plane access control (docs/security.md). Tokens are
-- issued per team or application; only the SHA-256 (hex) of the secret is stored, so a copy
-- of this table cannot be used to call a broker. Brokers and metaservers read both tables
-- whole every `auth-refresh` (2 s by default) into an in-memory policy: that is the bound
-- on how long a revoked token or a removed grant keeps working.

CREATE TABLE IF NOT EXISTS access_tokens (
  id           BIGINT        AUTO_INCREMENT PRIMARY KEY,
  name         VARCHAR(64)   NOT NULL,
  team         VARCHAR(64)   NOT NULL,
  token_hash   CHAR(64)      NOT NULL,
  description  VARCHAR(1024) NOT NULL DEFAULT '',
  created_ms   BIGINT        NOT NULL,
  created_by   VARCHAR(255)  NOT NULL DEFAULT '',
  -- Written by brokers in batches (at most once per `auth-refresh` each), so it is as
  -- precise as that period.
  last_used_ms BIGINT        NOT NULL DEFAULT 0,
  UNIQUE KEY ux_access_tokens_name (name),
  UNIQUE KEY ux_access_tokens_hash (token_hash)
) ENGINE=InnoDB;

-- What a token (principal_type 'token', by name) or every token of a team (principal_type
-- 'team') may do. resource_type: topic | group | cluster; resource_name: an exact name, a
-- prefix ending in '*' (orders.*), or '*' for all. permission: produce | consume | admin
-- (admin implies the other two on the same resource).
CREATE TABLE IF NOT EXISTS acl_grants (
  resource_type  VARCHAR(16)  NOT NULL,
  resource_name  VARCHAR(255) NOT NULL,
  principal_type VARCHAR(16)  NOT NULL,
  principal_name VARCHAR(64)  NOT NULL,
  permission     VARCHAR(16)  NOT NULL,
  created_ms     BIGINT       NOT NULL,
  created_by     VARCHAR(255) NOT NULL DEFAULT '',
  PRIMARY KEY (resource_type, resource_name, principal_type, principal_name, permission)
) ENGINE=InnoDB;
