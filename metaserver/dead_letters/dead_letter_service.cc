#include "metaserver/dead_letters/dead_letter_service.h"

#include <fmt/format.h>

#include <map>

#include "common/clock.h"
#include "common/errors.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "common/topic_name.h"
#include "mq/dead_letter_headers.h"
#include "storage/partition_store.h"

namespace mq {
namespace {

constexpr size_t kMaxGroupIdLength = 255;
constexpr int kReplayBatch = 500;
constexpr int kPurgeBatch = 5000;

[[noreturn]] void invalid(const std::string& message) {
  throwError(rpc::ErrorCode::INVALID_REQUEST, message);
}

void checkGroupId(const std::string& group_id) {
  if (group_id.empty() || group_id.size() > kMaxGroupIdLength) {
    invalid(fmt::format("a group id has 1 to {} characters (got {})", kMaxGroupIdLength,
                        group_id.size()));
  }
}

bool validTopicPart(const std::string& text) {
  if (text.empty()) return false;
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

uint64_t fnv1a64(const std::string& text) {
  uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

bool isProvenanceHeader(const std::string& name) {
  namespace h = dead_letter;
  for (const char* known :
       {h::kAttempt, h::kOriginalTopic, h::kOriginalPartition, h::kOriginalOffset, h::kGroup,
        h::kFirstFailureMs, h::kLastFailureMs, h::kLastError, h::kErrorHistory, h::kDeadLetteredMs,
        h::kReplayedFrom}) {
    if (name == known) return true;
  }
  return false;
}

// `text` as a JSON string literal.
std::string quoted(std::string_view text) {
  std::string out;
  appendJsonString(out, text);
  return out;
}

std::string pairJson(const DeadLetterRecord& record) {
  return fmt::format(R"({{"group":{},"topic":{},"retry_topic":{},"dead_letter_topic":{}}})",
                     quoted(record.group_id), quoted(record.topic), quoted(record.retry_topic),
                     quoted(record.dead_letter_topic));
}

}  // namespace

DeadLetterService::DeadLetterService(DeadLetterConfig config, DbPool& meta_pool,
                                     TopicService& topics, DatanodeRegistry& datanodes,
                                     BrokerGateway& brokers, AuditTrail& audit)
    : config_(config),
      store_(meta_pool),
      owners_(meta_pool),
      topics_(topics),
      datanodes_(datanodes),
      brokers_(brokers),
      audit_(audit) {}

std::string DeadLetterService::topicNameFor(const std::string& kind, const std::string& group_id,
                                            const std::string& topic) {
  // Readable when it fits ("mq.dlq.billing.orders"), else a hash of the pair. The registry
  // maps the pair to its names, so a name only has to be free when it is created.
  std::string readable = fmt::format("mq.{}.{}.{}", kind, group_id, topic);
  if (validTopicPart(group_id) && !topicNameProblem(readable) &&
      !store_.findByTopicName(readable)) {
    bool taken = true;
    try {
      topics_.describe(readable);
    } catch (const rpc::MqError&) {
      taken = false;
    }
    if (!taken) return readable;
  }
  return fmt::format("mq.{}.{:016x}", kind, fnv1a64(group_id + '\0' + topic));
}

void DeadLetterService::createTopic(const std::string& actor, const std::string& name,
                                    int partitions, int64_t retention_ms, const std::string& owner,
                                    const std::string& what) {
  TopicSpec spec;
  spec.name = name;
  spec.partitions = partitions;
  spec.retention_ms = retention_ms;
  spec.owner_team = owner;
  spec.description = what;
  try {
    topics_.create(actor, spec);
  } catch (const rpc::MqError& e) {
    if (e.code != rpc::ErrorCode::TOPIC_ALREADY_EXISTS) throw;  // a concurrent ensure won
  }
}

DeadLetterStats DeadLetterService::ensure(const std::string& actor, const std::string& group_id,
                                          const std::string& topic) {
  checkGroupId(group_id);
  if (auto problem = topicNameProblem(topic))
    throwError(rpc::ErrorCode::INVALID_TOPIC_NAME, *problem);
  const TopicRecord original = topics_.describe(topic);  // UNKNOWN_TOPIC
  if (store_.findByTopicName(topic)) {
    invalid(
        fmt::format("`{}` is itself a retry or dead-letter topic; failed messages of it go "
                    "to the dead-letter topic of its original topic",
                    topic));
  }
  auto record = store_.find(group_id, topic);
  if (!record) {
    DeadLetterRecord fresh;
    fresh.group_id = group_id;
    fresh.topic = topic;
    fresh.retry_topic = topicNameFor("retry", group_id, topic);
    fresh.dead_letter_topic = topicNameFor("dlq", group_id, topic);
    if (auto owner = owners_.find(group_id)) fresh.owner_team = owner->owner_team;
    fresh.created_ms = nowMs();
    if (store_.insert(fresh)) {
      logInfo("dead-letter topics registered")
          .kv("group", group_id)
          .kv("topic", topic)
          .kv("retry_topic", fresh.retry_topic)
          .kv("dead_letter_topic", fresh.dead_letter_topic);
      audit_.recordDone(actor, "dead_letters.create", fmt::format("{}/{}", group_id, topic), "",
                        pairJson(fresh));
    }
    record = store_.find(group_id, topic);  // ours, or the one a concurrent call inserted
    if (!record) {
      throwError(rpc::ErrorCode::UNKNOWN,
                 fmt::format("could not register dead-letter topics of group `{}` and topic `{}` "
                             "(a name is taken); try again",
                             group_id, topic));
    }
  }
  // Create what is missing (also after someone deleted a topic).
  const int partitions = static_cast<int>(original.partitions.size());
  createTopic(
      actor, record->retry_topic, partitions, config_.retry_retention_ms, record->owner_team,
      fmt::format("retries of group {} for topic {} (docs/dead-letters.md)", group_id, topic));
  createTopic(
      actor, record->dead_letter_topic, 1, config_.dead_letter_retention_ms, record->owner_team,
      fmt::format("dead letters of group {} for topic {} (docs/dead-letters.md)", group_id, topic));
  return stats(group_id, topic);
}

void DeadLetterService::count(std::vector<DeadLetterStats>& pairs) {
  // Tables to read, per datanode, and where each table's bounds go.
  struct Slot {
    DeadLetterStats* stats;
    bool dead_letter;
  };
  std::map<int, std::vector<std::string>> tables;
  std::map<std::string, Slot> slots;
  for (auto& pair : pairs) {
    for (bool dead_letter : {false, true}) {
      const std::string& name =
          dead_letter ? pair.record.dead_letter_topic : pair.record.retry_topic;
      TopicRecord topic;
      try {
        topic = topics_.describe(name);
      } catch (const rpc::MqError& e) {
        pair.error = e.message;
        continue;
      }
      if (!dead_letter) pair.retry_partitions = static_cast<int>(topic.partitions.size());
      for (const auto& partition : topic.partitions) {
        tables[partition.datanode_id].push_back(partition.table_name);
        slots[partition.table_name] = Slot{&pair, dead_letter};
      }
    }
  }
  for (const auto& entry : tables) {
    const auto& datanode_id = entry.first;
    const std::vector<std::string>& names = entry.second;  // captured below: not a binding
    std::map<std::string, PartitionBounds> bounds;
    try {
      datanodes_.withDatanode(datanode_id, "count dead letters", [&](DbConnection& db) {
        bounds = PartitionStore::bounds(db, names);
      });
    } catch (const rpc::MqError& e) {
      for (const auto& name : names) slots.at(name).stats->error = e.message;
      continue;
    }
    for (const auto& [table, b] : bounds) {
      const Slot& slot = slots.at(table);
      if (slot.dead_letter) {
        slot.stats->start_offset = b.start_offset;
        slot.stats->end_offset = b.end_offset;
      } else {
        slot.stats->retried += b.end_offset;
      }
    }
  }
}

std::vector<DeadLetterStats> DeadLetterService::list(const std::string& group_id) {
  if (!group_id.empty()) checkGroupId(group_id);
  std::vector<DeadLetterStats> pairs;
  for (auto& record : store_.list(group_id)) {
    DeadLetterStats stats;
    stats.record = std::move(record);
    pairs.push_back(std::move(stats));
  }
  count(pairs);
  return pairs;
}

DeadLetterStats DeadLetterService::stats(const std::string& group_id, const std::string& topic) {
  checkGroupId(group_id);
  auto record = store_.find(group_id, topic);
  if (!record) {
    throwError(rpc::ErrorCode::UNKNOWN_TOPIC,
               fmt::format("group `{}` has no dead-letter topic for topic `{}`", group_id, topic));
  }
  std::vector<DeadLetterStats> pairs(1);
  pairs[0].record = *record;
  count(pairs);
  return pairs[0];
}

std::vector<rpc::StoredMessage> DeadLetterService::read(const DeadLetterStats& stats,
                                                        int64_t from_offset, int max) {
  const TopicRecord topic = topics_.describe(stats.record.dead_letter_topic);
  const PartitionRecord& partition = topic.partitions.at(0);
  std::vector<rpc::StoredMessage> messages;
  datanodes_.withDatanode(partition.datanode_id, "read dead letters", [&](DbConnection& db) {
    const PartitionBounds bounds = PartitionStore::bounds(db, partition.table_name);
    const int64_t from = std::max(from_offset, bounds.start_offset);
    messages = from >= bounds.end_offset
                   ? std::vector<rpc::StoredMessage>{}
                   : PartitionStore::read(db, partition.table_name, from, max, 64LL << 20);
  });
  return messages;
}

std::vector<int64_t> DeadLetterService::replay(
    const std::string& actor, const std::string& group_id, const std::string& topic,
    std::optional<int64_t> offset, const std::string& target, std::string* target_topic) {
  if (target != "original" && target != "retry") {
    invalid(fmt::format("replay target must be `original` or `retry` (got `{}`)", target));
  }
  if (offset && *offset < 0) invalid(fmt::format("offset {} is negative", *offset));
  const DeadLetterStats pair = stats(group_id, topic);
  if (!pair.error.empty()) throwError(rpc::ErrorCode::DATANODE_UNAVAILABLE, pair.error);
  if (offset && (*offset < pair.start_offset || *offset >= pair.end_offset)) {
    invalid(
        fmt::format("offset {} is not a stored dead letter of group `{}` and topic `{}` "
                    "(stored: {}..{})",
                    *offset, group_id, topic, pair.start_offset, pair.end_offset - 1));
  }
  if (!offset && pair.backlog() == 0) {
    invalid(fmt::format("group `{}` has no dead letters for topic `{}`", group_id, topic));
  }
  *target_topic = target == "original" ? topic : pair.record.retry_topic;
  const int original_partitions = static_cast<int>(topics_.describe(topic).partitions.size());
  const int64_t end = offset ? *offset + 1 : pair.end_offset;
  std::vector<int64_t> replayed;
  for (int64_t from = offset.value_or(pair.start_offset); from < end;) {
    const int max = static_cast<int>(std::min<int64_t>(kReplayBatch, end - from));
    auto letters = read(pair, from, max);
    if (letters.empty()) break;
    std::vector<TestMessage> messages;
    for (const auto& letter : letters) {
      if (letter.offset >= end) break;
      TestMessage message;
      message.topic = *target_topic;
      if (letter.__isset.key) message.key = letter.key;
      message.value = letter.value;
      const std::string from_text =
          fmt::format("{}/{}", pair.record.dead_letter_topic, letter.offset);
      if (target == "original") {
        for (const auto& [name, value] : letter.headers) {
          if (!isProvenanceHeader(name)) message.headers[name] = value;
        }
        auto p = letter.headers.find(dead_letter::kOriginalPartition);
        if (!message.key && p != letter.headers.end()) {
          const int number = std::atoi(p->second.c_str());
          if (number >= 0 && number < original_partitions) message.partition = number;
        }
      } else {
        message.headers = letter.headers;
        message.headers[dead_letter::kAttempt] = "0";  // counted afresh
        message.headers.erase(dead_letter::kDeadLetteredMs);
      }
      message.headers[dead_letter::kReplayedFrom] = from_text;
      messages.push_back(std::move(message));
      replayed.push_back(letter.offset);
    }
    brokers_.sendAll(messages);
    from = letters.back().offset + 1;
  }
  // The offsets replayed (a contiguous range of the dead-letter topic), so the portal can
  // mark replayed dead letters from the audit log.
  const std::string range = replayed.empty() ? std::string()
                                             : fmt::format(R"(,"first_offset":{},"last_offset":{})",
                                                           replayed.front(), replayed.back());
  audit_.recordDone(actor, "dead_letters.replay", fmt::format("{}/{}", group_id, topic), "",
                    fmt::format(R"({{"target":{},"target_topic":{},"messages":{}{}}})",
                                quoted(target), quoted(*target_topic), replayed.size(), range));
  return replayed;
}

int64_t DeadLetterService::purge(const std::string& actor, const std::string& group_id,
                                 const std::string& topic, int64_t* start_offset) {
  const DeadLetterStats pair = stats(group_id, topic);
  const TopicRecord dlq = topics_.describe(pair.record.dead_letter_topic);
  const PartitionRecord& partition = dlq.partitions.at(0);
  int64_t purged = 0;
  datanodes_.withDatanode(partition.datanode_id, "purge dead letters", [&](DbConnection& db) {
    const PartitionBounds before = PartitionStore::bounds(db, partition.table_name);
    // First the start offset (a reader below it gets OFFSET_OUT_OF_RANGE rather than
    // skipping silently), then the rows, in bounded deletes.
    PartitionStore::advanceStartOffset(db, partition.table_name, before.end_offset);
    while (PartitionStore::deleteBelow(db, partition.table_name, before.end_offset, kPurgeBatch) >
           0) {
    }
    purged = before.end_offset - before.start_offset;
    *start_offset = before.end_offset;
  });
  audit_.recordDone(actor, "dead_letters.purge", fmt::format("{}/{}", group_id, topic),
                    fmt::format(R"({{"messages":{}}})", purged), R"({"messages":0})");
  logInfo("dead letters purged").kv("group", group_id).kv("topic", topic).kv("messages", purged);
  return purged;
}

rpc::DeadLetterSummary DeadLetterService::toWire(const DeadLetterStats& stats) {
  rpc::DeadLetterSummary summary;
  summary.topics.group_id = stats.record.group_id;
  summary.topics.topic = stats.record.topic;
  summary.topics.retry_topic = stats.record.retry_topic;
  summary.topics.dead_letter_topic = stats.record.dead_letter_topic;
  summary.topics.owner_team = stats.record.owner_team;
  summary.topics.created_ms = stats.record.created_ms;
  summary.topics.retry_partitions = stats.retry_partitions;
  summary.messages = stats.backlog();
  summary.dead_lettered = stats.end_offset;
  summary.retried = stats.retried;
  summary.start_offset = stats.start_offset;
  summary.end_offset = stats.end_offset;
  summary.error = stats.error;
  return summary;
}

}  // namespace mq
