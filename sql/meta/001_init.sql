-- Metadata database, version 1: topology (datanodes, topics, partitions) and the broker
-- registry, plus the tables later features fill (groups, offsets, producers, alerts, audit).
-- Applied by the metaserver and brokers at start-up; recorded in mq_schema_version.

CREATE TABLE IF NOT EXISTS datanodes (
  id            INT AUTO_INCREMENT PRIMARY KEY,
  name          VARCHAR(64)  NOT NULL UNIQUE,
  host          VARCHAR(255) NOT NULL,
  port          INT          NOT NULL,
  database_name VARCHAR(64)  NOT NULL,
  user          VARCHAR(64)  NOT NULL,
  password      VARCHAR(255) NOT NULL,
  created_ms    BIGINT       NOT NULL,
  UNIQUE KEY uq_datanode_target (host, port, database_name)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS topics (
  id           BIGINT AUTO_INCREMENT PRIMARY KEY,
  name         VARCHAR(200) NOT NULL UNIQUE,
  retention_ms BIGINT       NOT NULL,
  owner_team   VARCHAR(64)  NOT NULL DEFAULT '',
  description  VARCHAR(1024) NOT NULL DEFAULT '',
  created_ms   BIGINT       NOT NULL
) ENGINE=InnoDB;

-- One row per partition; table_name is the partition's table on its datanode.
CREATE TABLE IF NOT EXISTS partitions (
  topic_id    BIGINT      NOT NULL,
  partition_no INT        NOT NULL,
  datanode_id INT         NOT NULL,
  table_name  VARCHAR(64) NOT NULL,
  writable    TINYINT(1)  NOT NULL DEFAULT 1,
  created_ms  BIGINT      NOT NULL,
  PRIMARY KEY (topic_id, partition_no),
  KEY ix_partitions_datanode (datanode_id)
) ENGINE=InnoDB;

-- Broker registry: brokers upsert their row every heartbeat; a row older than the
-- heartbeat timeout is not listed and is removed by the metaserver.
CREATE TABLE IF NOT EXISTS brokers (
  id                VARCHAR(128) PRIMARY KEY,
  host              VARCHAR(255) NOT NULL,
  port              INT          NOT NULL,
  started_ms        BIGINT       NOT NULL,
  last_heartbeat_ms BIGINT       NOT NULL
) ENGINE=InnoDB;

-- Bumped on every topology change so brokers can refresh their cache with one cheap read.
CREATE TABLE IF NOT EXISTS topology_version (
  id      TINYINT PRIMARY KEY,
  version BIGINT NOT NULL
) ENGINE=InnoDB;
INSERT IGNORE INTO topology_version (id, version) VALUES (1, 1);

-- Audit log of control-plane changes (who, what, when, before and after).
CREATE TABLE IF NOT EXISTS audit_log (
  id        BIGINT AUTO_INCREMENT PRIMARY KEY,
  at_ms     BIGINT        NOT NULL,
  actor     VARCHAR(128)  NOT NULL,
  action    VARCHAR(64)   NOT NULL,
  object    VARCHAR(255)  NOT NULL,
  before_json MEDIUMTEXT  NULL,
  after_json  MEDIUMTEXT  NULL,
  KEY ix_audit_at (at_ms)
) ENGINE=InnoDB;
