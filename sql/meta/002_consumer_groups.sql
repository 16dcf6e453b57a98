-- Metadata database, version 2: consumer groups, their members and committed offsets.
-- Any broker coordinates any group: each protocol step locks the group's row
-- (SELECT ... FOR UPDATE), applies one state transition and commits, so the database is
-- the single source of truth and a broker can die mid-rebalance without losing anything.

CREATE TABLE IF NOT EXISTS consumer_groups (
  group_id              VARCHAR(255) PRIMARY KEY,
  state                 VARCHAR(32)  NOT NULL,   -- Empty, PreparingRebalance, CompletingRebalance, Stable
  generation            INT          NOT NULL DEFAULT 0,
  protocol              VARCHAR(64)  NOT NULL DEFAULT '',
  leader_id             VARCHAR(255) NOT NULL DEFAULT '',
  rebalance_deadline_ms BIGINT       NOT NULL DEFAULT 0,
  owner_team            VARCHAR(64)  NOT NULL DEFAULT '',
  created_ms            BIGINT       NOT NULL,
  updated_ms            BIGINT       NOT NULL
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS group_members (
  group_id             VARCHAR(255) NOT NULL,
  member_id            VARCHAR(255) NOT NULL,
  instance_id          VARCHAR(255) NULL,          -- static membership
  client_id            VARCHAR(255) NOT NULL,
  client_host          VARCHAR(255) NOT NULL,
  session_timeout_ms   INT          NOT NULL,
  rebalance_timeout_ms INT          NOT NULL,
  pending              TINYINT(1)   NOT NULL,      -- issued an id, has not joined yet
  joined               TINYINT(1)   NOT NULL,      -- joined the rebalance in progress
  protocols            MEDIUMBLOB   NOT NULL,      -- Thrift binary list<GroupProtocol>
  assignment           MEDIUMBLOB   NULL,          -- Thrift binary list<TopicPartitions>
  last_heartbeat_ms    BIGINT       NOT NULL,
  PRIMARY KEY (group_id, member_id),
  UNIQUE KEY uq_group_instance (group_id, instance_id)
) ENGINE=InnoDB;

-- The next offset each group will consume, per partition. Commits are atomic per request.
CREATE TABLE IF NOT EXISTS committed_offsets (
  group_id         VARCHAR(255)  NOT NULL,
  topic            VARCHAR(200)  NOT NULL,
  partition_no     INT           NOT NULL,
  committed_offset BIGINT        NOT NULL,
  metadata         VARCHAR(4096) NOT NULL DEFAULT '',
  committed_ms     BIGINT        NOT NULL,
  PRIMARY KEY (group_id, topic, partition_no)
) ENGINE=InnoDB;
