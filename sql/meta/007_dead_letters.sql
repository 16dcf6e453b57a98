-- Metadata database, version 7: the retry and dead-letter topics of consumer groups (see
-- docs/dead-letters.md). One row per (group, original topic), written by the metaserver's
-- ensureDeadLetterTopics when a group's consumer first needs them; both topics are ordinary
-- rows of `topics` with their own retention. The unique keys keep two pairs from sharing a
-- topic.
CREATE TABLE IF NOT EXISTS dead_letter_topics (
  group_id          VARCHAR(255) NOT NULL,
  topic             VARCHAR(200) NOT NULL,
  retry_topic       VARCHAR(200) NOT NULL,
  dead_letter_topic VARCHAR(200) NOT NULL,
  owner_team        VARCHAR(64)  NOT NULL DEFAULT '',
  created_ms        BIGINT       NOT NULL,
  PRIMARY KEY (group_id, topic),
  UNIQUE KEY ux_dead_letter_topics_retry (retry_topic),
  UNIQUE KEY ux_dead_letter_topics_dlq (dead_letter_topic)
) ENGINE=InnoDB;
