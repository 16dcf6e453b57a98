#include "metaserver/messages/message_trace.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "common/errors.h"
#include "metaserver/store/dead_letter_store.h"
#include "mq/dead_letter_headers.h"
#include "storage/group_store.h"

namespace mq {
namespace {

std::string header(const rpc::StoredMessage& m, const char* name) {
  auto found = m.headers.find(name);
  return found == m.headers.end() ? "" : found->second;
}

int attemptOf(const rpc::StoredMessage& m) {
  try {
    return std::stoi(header(m, dead_letter::kAttempt));
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

std::vector<SearchMatch> MessageTrace::findAll(const std::string& topic,
                                               const MessageFilter& filter, int64_t from_time_ms,
                                               MessageTraceResult& result) {
  SearchRequest request;
  request.topic = topic;
  request.filter = filter;
  request.from_time_ms = from_time_ms;
  request.limit = kMaxSearchMatches;
  request.scan_limit = kMaxScanLimit;
  std::vector<SearchMatch> found;
  int64_t scanned = 0;
  for (;;) {
    SearchResult page;
    try {
      page = search_.search(request);
    } catch (const rpc::MqError& e) {
      if (e.code != rpc::ErrorCode::UNKNOWN_TOPIC) throw;
      return found;  // deleted since: nothing to find there
    }
    scanned += page.scanned;
    for (auto& match : page.matches) found.push_back(std::move(match));
    for (const auto& p : page.partitions) {
      if (!p.error.empty()) result.complete = false;
    }
    if (page.done()) break;
    if (scanned >= kTraceScanRows) {
      result.complete = false;
      break;
    }
    request.cursor = MessageSearch::parseCursor(page.cursor());
  }
  result.scanned += scanned;
  return found;
}

MessageTraceResult MessageTrace::trace(const std::string& topic_name, int partition,
                                       int64_t offset) {
  const TopicRecord topic = topics_.describe(topic_name);
  if (partition < 0 || partition >= static_cast<int>(topic.partitions.size())) {
    throwError(rpc::ErrorCode::INVALID_REQUEST,
               fmt::format("topic `{}` has partitions 0..{}; there is no partition {}", topic_name,
                           topic.partitions.size() - 1, partition));
  }
  const PartitionRecord& stored = topic.partitions[partition];
  MessageTraceResult result;
  result.topic = topic_name;
  result.partition = partition;
  result.offset = offset;
  result.table = stored.table_name;
  result.datanode_id = stored.datanode_id;
  PartitionScan one;
  datanodes_.withDatanode(stored.datanode_id, "trace a message", [&](DbConnection& db) {
    one = PartitionSearch::scan(db, stored.table_name, offset, offset + 1, MessageFilter{}, 1,
                                INT64_MAX, kSearchStatementMs);
  });
  if (one.matches.empty()) {
    throwError(rpc::ErrorCode::OFFSET_OUT_OF_RANGE,
               fmt::format("no message of `{}` partition {} is stored at offset {}", topic_name,
                           partition, offset));
  }
  result.message = std::move(one.matches.front());
  const rpc::StoredMessage& message = result.message;

  // What the message is, when it is a copy.
  const std::string original_topic = header(message, dead_letter::kOriginalTopic);
  if (!header(message, dead_letter::kReplayedFrom).empty()) {
    result.copy_kind = "replay";
    result.origin = header(message, dead_letter::kReplayedFrom);
  } else if (!original_topic.empty()) {
    result.copy_kind =
        header(message, dead_letter::kDeadLetteredMs).empty() ? "retry" : "dead_letter";
    result.origin =
        fmt::format("{}/{}/{}", original_topic, header(message, dead_letter::kOriginalPartition),
                    header(message, dead_letter::kOriginalOffset));
  }

  // The groups: committed past it or not.
  {
    auto db = meta_pool_.acquire();
    std::map<std::string, TracedGroup> groups;
    for (const auto& row : GroupStore::committedOffsets(*db, topic_name, partition)) {
      TracedGroup& g = groups[row.group_id];
      g.group = row.group_id;
      g.committed_offset = row.offset;
      g.committed_ms = row.committed_ms;
      g.consumed = row.offset > offset;
    }
    for (const auto& [id, group] : GroupStore::groups(*db)) {
      if (!group.subscribed_topics.count(topic_name)) continue;
      TracedGroup& g = groups[id];
      g.group = id;
      g.subscribed = true;
    }
    for (auto& [id, g] : groups) result.groups.push_back(std::move(g));
  }

  // Its retries and dead letters, and the replays of those dead letters.
  const std::string offset_text = std::to_string(offset);
  for (const auto& pair : DeadLetterStore(meta_pool_).list("")) {
    if (pair.topic != topic_name) continue;
    MessageFilter copies;
    copies.header = std::make_pair(dead_letter::kOriginalOffset, offset_text);
    for (const std::string* where : {&pair.retry_topic, &pair.dead_letter_topic}) {
      for (auto& match : findAll(*where, copies, message.append_time_ms, result)) {
        const auto& m = match.message;
        if (header(m, dead_letter::kOriginalTopic) != topic_name ||
            header(m, dead_letter::kOriginalPartition) != std::to_string(partition) ||
            header(m, dead_letter::kGroup) != pair.group_id) {
          continue;
        }
        TracedCopy copy;
        copy.kind = where == &pair.retry_topic ? "retry" : "dead_letter";
        copy.group = pair.group_id;
        copy.topic = *where;
        copy.partition = match.partition;
        copy.offset = m.offset;
        copy.append_time_ms = m.append_time_ms;
        copy.attempt = attemptOf(m);
        copy.last_error = header(m, dead_letter::kLastError);
        result.copies.push_back(copy);
      }
    }
  }
  // Replays of its dead letters: back in the original topic or a retry topic.
  const auto dead_letters = result.copies;
  for (const auto& letter : dead_letters) {
    if (letter.kind != "dead_letter") continue;
    MessageFilter replays;
    const std::string from = fmt::format("{}/{}", letter.topic, letter.offset);
    replays.header = std::make_pair(dead_letter::kReplayedFrom, from);
    auto pair = DeadLetterStore(meta_pool_).find(letter.group, topic_name);
    std::vector<std::string> targets{topic_name};
    if (pair) targets.push_back(pair->retry_topic);
    for (const auto& target : targets) {
      for (auto& match : findAll(target, replays, letter.append_time_ms, result)) {
        TracedCopy copy;
        copy.kind = "replay";
        copy.group = letter.group;
        copy.topic = target;
        copy.partition = match.partition;
        copy.offset = match.message.offset;
        copy.append_time_ms = match.message.append_time_ms;
        copy.attempt = attemptOf(match.message);
        copy.replayed_from = from;
        result.copies.push_back(copy);
      }
    }
  }
  std::stable_sort(
      result.copies.begin(), result.copies.end(),
      [](const TracedCopy& a, const TracedCopy& b) { return a.append_time_ms < b.append_time_ms; });
  return result;
}

}  // namespace mq
