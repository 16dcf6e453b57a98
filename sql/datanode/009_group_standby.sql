-- Datanode database, version 9: the consumer groups' standby. Brokers keep a copy of every
-- group (its state, members and committed offsets: the tables of sql/meta/002 and 013) on
-- one datanode, the one with the lowest id. While the metadata database cannot be reached,
-- the group calls run here instead, so running groups go on heartbeating, committing and
-- rebalancing; once it is back, the first broker that reaches it copies the groups changed
-- here back (broker/group/group_database.h). Only the lowest-id datanode's copy is used; the
-- tables exist on every datanode so that any can take the role.
CREATE TABLE IF NOT EXISTS consumer_groups (
  group_id              VARCHAR(255) PRIMARY KEY,
  state                 VARCHAR(32)  NOT NULL,
  generation            INT          NOT NULL DEFAULT 0,
  protocol              VARCHAR(64)  NOT NULL DEFAULT '',
  leader_id             VARCHAR(255) NOT NULL DEFAULT '',
  rebalance_deadline_ms BIGINT       NOT NULL DEFAULT 0,
  owner_team            VARCHAR(64)  NOT NULL DEFAULT '',
  created_ms            BIGINT       NOT NULL,
  updated_ms            BIGINT       NOT NULL,
  version               BIGINT       NOT NULL DEFAULT 0,
  changed_in_standby    TINYINT(1)   NOT NULL DEFAULT 0  -- changed here while active
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS group_members (
  group_id             VARCHAR(255) NOT NULL,
  member_id            VARCHAR(255) NOT NULL,
  instance_id          VARCHAR(255) NULL,
  client_id            VARCHAR(255) NOT NULL,
  client_host          VARCHAR(255) NOT NULL,
  session_timeout_ms   INT          NOT NULL,
  rebalance_timeout_ms INT          NOT NULL,
  pending              TINYINT(1)   NOT NULL,
  joined               TINYINT(1)   NOT NULL,
  protocols            MEDIUMBLOB   NOT NULL,
  assignment           MEDIUMBLOB   NULL,
  last_heartbeat_ms    BIGINT       NOT NULL,
  PRIMARY KEY (group_id, member_id),
  UNIQUE KEY uq_group_instance (group_id, instance_id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS committed_offsets (
  group_id         VARCHAR(255)  NOT NULL,
  topic            VARCHAR(200)  NOT NULL,
  partition_no     INT           NOT NULL,
  committed_offset BIGINT        NOT NULL,
  metadata         VARCHAR(4096) NOT NULL DEFAULT '',
  committed_ms     BIGINT        NOT NULL,
  check_offset     BIGINT        NULL,
  check_append_ms  BIGINT        NULL,
  PRIMARY KEY (group_id, topic, partition_no)
) ENGINE=InnoDB;

-- One row: whether the standby is active (group calls run here), since when, and when it was
-- last handed back. Group calls here hold a shared lock on it, the hand-back an exclusive one,
-- so no call changes a group here while it is copied back.
CREATE TABLE IF NOT EXISTS mq_group_standby (
  id              TINYINT    NOT NULL PRIMARY KEY,
  active          TINYINT(1) NOT NULL DEFAULT 0,
  activated_ms    BIGINT     NOT NULL DEFAULT 0,
  handed_back_ms  BIGINT     NOT NULL DEFAULT 0
) ENGINE=InnoDB;
INSERT IGNORE INTO mq_group_standby (id) VALUES (1);
