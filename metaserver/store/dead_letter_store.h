// The registry of consumer groups' retry and dead-letter topics (sql/meta/007:
// dead_letter_topics): every SQL statement on that table. Methods throw sql::SQLException on
// database errors. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/db_pool.h"

namespace mq {

struct DeadLetterRecord {
  std::string group_id;
  std::string topic;  // the original topic
  std::string retry_topic;
  std::string dead_letter_topic;
  std::string owner_team;
  int64_t created_ms = 0;
};

class DeadLetterStore {
 public:
  explicit DeadLetterStore(DbPool& pool) : pool_(pool) {}

  std::optional<DeadLetterRecord> find(const std::string& group_id, const std::string& topic);
  // The pair that uses `name` as its retry or dead-letter topic, if any.
  std::optional<DeadLetterRecord> findByTopicName(const std::string& name);
  // Every pair, by group and topic; group_id "" = every group.
  std::vector<DeadLetterRecord> list(const std::string& group_id);
  // Inserts the pair's row unless it exists (a concurrent insert wins); false if it existed
  // or a topic name is taken by another pair.
  bool insert(const DeadLetterRecord& record);

 private:
  DbPool& pool_;
};

}  // namespace mq
