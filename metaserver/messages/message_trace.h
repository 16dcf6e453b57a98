// Message trace (docs/portal.md#message-trace, `mqctl trace`): what happened to one message.
// For topic/partition/offset:
//   - the message: producer time, append time, key, headers, where it is stored;
//   - its origin when it is itself a copy: a retry or a dead letter (the provenance headers
//     of docs/dead-letters.md) or a replay (mq-replayed-from);
//   - every consumer group that committed on its partition: consumed (committed past it) or
//     not, with the commit time; groups subscribed to the topic with no commit there;
//   - its copies: retries and dead letters made of it by each group with dead-letter topics
//     for the topic, and the replays of those dead letters back to the topic or the retry
//     topic, with times.
// Copies are found by searching (MessageSearch) the retry, dead-letter and original topics
// from the message's append time on, by header; each search reads at most kTraceScanRows
// rows of a topic, and the answer says when that bound stopped one (`complete` false).
// Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "metaserver/messages/message_search.h"
#include "storage/db_pool.h"

namespace mq {

inline constexpr int64_t kTraceScanRows = 100000;

struct TracedGroup {
  std::string group;
  int64_t committed_offset = -1;  // -1: no commit on the partition
  int64_t committed_ms = 0;
  bool consumed = false;    // committed past the message
  bool subscribed = false;  // a member subscribes to the topic now
};

struct TracedCopy {
  std::string kind;  // retry, dead_letter, replay
  std::string group;
  std::string topic;
  int partition = 0;
  int64_t offset = 0;
  int64_t append_time_ms = 0;
  int attempt = 0;            // mq-attempt
  std::string last_error;     // mq-last-error
  std::string replayed_from;  // replays: "<dead-letter topic>/<offset>"
};

struct MessageTraceResult {
  std::string topic;
  int partition = 0;
  int64_t offset = 0;
  rpc::StoredMessage message;
  std::string table;
  int datanode_id = 0;
  // When the message is itself a copy: what it is and where the original was.
  std::string copy_kind;  // "", retry, dead_letter, replay
  std::string origin;     // "topic/partition/offset" (retry, dead letter) or the replay's source
  std::vector<TracedGroup> groups;
  std::vector<TracedCopy> copies;  // by append time
  int64_t scanned = 0;             // rows read to find the copies
  bool complete = true;            // false: a search bound stopped looking for copies
};

class MessageTrace {
 public:
  MessageTrace(TopicService& topics, DatanodeRegistry& datanodes, DbPool& meta_pool,
               MessageSearch& search)
      : topics_(topics), datanodes_(datanodes), meta_pool_(meta_pool), search_(search) {}

  // Throws MqError UNKNOWN_TOPIC, INVALID_REQUEST (no such partition), OFFSET_OUT_OF_RANGE
  // (no message stored at that offset).
  MessageTraceResult trace(const std::string& topic, int partition, int64_t offset);

 private:
  // Every match of `filter` in `topic` from `from_time_ms`, up to kTraceScanRows rows.
  std::vector<SearchMatch> findAll(const std::string& topic, const MessageFilter& filter,
                                   int64_t from_time_ms, MessageTraceResult& result);

  TopicService& topics_;
  DatanodeRegistry& datanodes_;
  DbPool& meta_pool_;
  MessageSearch& search_;
};

}  // namespace mq
