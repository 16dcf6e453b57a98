-- Metadata database, version 6: the portal's users, teams, sign-in sessions and group
-- ownership (see docs/portal.md). Topics already carry owner_team (001); a consumer group's
-- owner is kept here rather than in consumer_groups, whose rows the coordinator creates and
-- deletes with the group's membership.

CREATE TABLE IF NOT EXISTS teams (
  name        VARCHAR(64)   PRIMARY KEY,
  description VARCHAR(1024) NOT NULL DEFAULT '',
  created_ms  BIGINT        NOT NULL
) ENGINE=InnoDB;

-- password_hash is `pbkdf2-sha256$<iterations>$<salt, base64>$<key, base64>`; the plain
-- password is never stored. is_admin: may change everything and manage users and teams.
CREATE TABLE IF NOT EXISTS users (
  name          VARCHAR(64)  PRIMARY KEY,
  password_hash VARCHAR(255) NOT NULL,
  is_admin      TINYINT(1)   NOT NULL DEFAULT 0,
  created_ms    BIGINT       NOT NULL,
  password_ms   BIGINT       NOT NULL
) ENGINE=InnoDB;

-- Which users belong to which teams. ix_team_members_user: a user's teams, read on every
-- authenticated request.
CREATE TABLE IF NOT EXISTS team_members (
  team_name  VARCHAR(64) NOT NULL,
  user_name  VARCHAR(64) NOT NULL,
  added_ms   BIGINT      NOT NULL,
  PRIMARY KEY (team_name, user_name),
  KEY ix_team_members_user (user_name)
) ENGINE=InnoDB;

-- Sign-in sessions. The cookie carries a random 256-bit token; only its SHA-256 (hex) is
-- stored, so a copy of this table cannot be used to sign in. csrf_token is returned by
-- GET /api/me and must come back in X-CSRF-Token on every change.
CREATE TABLE IF NOT EXISTS user_sessions (
  token_hash  CHAR(64)    PRIMARY KEY,
  user_name   VARCHAR(64) NOT NULL,
  csrf_token  CHAR(64)    NOT NULL,
  created_ms  BIGINT      NOT NULL,
  expires_ms  BIGINT      NOT NULL,
  KEY ix_user_sessions_user (user_name),
  KEY ix_user_sessions_expires (expires_ms)
) ENGINE=InnoDB;

-- The team that owns a consumer group: its members may reset the group's offsets and
-- manage its alerts. A group without a row here is changed by admins only.
CREATE TABLE IF NOT EXISTS group_owners (
  group_id    VARCHAR(255) PRIMARY KEY,
  owner_team  VARCHAR(64)  NOT NULL,
  assigned_ms BIGINT       NOT NULL,
  assigned_by VARCHAR(128) NOT NULL
) ENGINE=InnoDB;

-- The audit page filters by actor or by object, newest first (WHERE actor = ? ORDER BY id
-- DESC): these indexes serve that without scanning the log.
ALTER TABLE audit_log
  ADD INDEX IF NOT EXISTS ix_audit_actor (actor, id),
  ADD INDEX IF NOT EXISTS ix_audit_object (object, id);
