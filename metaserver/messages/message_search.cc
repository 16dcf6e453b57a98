#include "metaserver/messages/message_search.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "common/errors.h"
#include "storage/partition_store.h"

namespace mq {
namespace {

// Keys and values one request gathers at most (at least one match is always returned).
constexpr int64_t kMaxMatchBytes = 8LL << 20;

// The first offset appended at or after `time_ms` (bounds.end_offset when none).
int64_t offsetAt(DbConnection& db, const std::string& table, int64_t time_ms,
                 const PartitionBounds& bounds) {
  return PartitionStore::offsetForTime(db, table, time_ms, bounds);
}

// The partitions a request covers: one, or every one that is not retired.
std::vector<PartitionRecord> coveredPartitions(const TopicRecord& topic, std::optional<int> only) {
  if (only) {
    if (*only < 0 || *only >= static_cast<int>(topic.partitions.size())) {
      throwError(rpc::ErrorCode::INVALID_REQUEST,
                 fmt::format("topic `{}` has partitions 0..{}; there is no partition {}",
                             topic.name, topic.partitions.size() - 1, *only));
    }
  }
  std::vector<PartitionRecord> covered;
  for (const auto& p : topic.partitions) {
    if ((only && p.partition != *only) || (!only && p.retired())) continue;
    covered.push_back(p);
  }
  return covered;
}

}  // namespace

std::string SearchResult::cursor() const {
  std::string text;
  for (const auto& p : partitions) {
    if (p.next >= p.to || !p.error.empty()) continue;
    text += fmt::format("{}{}:{}", text.empty() ? "" : ",", p.partition, p.next);
  }
  return text;
}

std::map<int, int64_t> MessageSearch::parseCursor(const std::string& text) {
  std::map<int, int64_t> cursor;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find(',', at);
    if (end == std::string::npos) end = text.size();
    const std::string pair = text.substr(at, end - at);
    const size_t colon = pair.find(':');
    size_t used_p = 0, used_o = 0;
    int partition = -1;
    int64_t offset = -1;
    try {
      if (colon == std::string::npos) throw std::invalid_argument("no colon");
      partition = std::stoi(pair.substr(0, colon), &used_p);
      offset = std::stoll(pair.substr(colon + 1), &used_o);
    } catch (const std::exception&) {
      used_p = 0;
    }
    if (used_p == 0 || used_p != colon || used_o != pair.size() - colon - 1 || partition < 0 ||
        offset < 0) {
      throw std::invalid_argument(fmt::format(
          "`{}` is not a search cursor (partition:offset pairs separated by commas)", pair));
    }
    cursor[partition] = offset;
    at = end + 1;
  }
  return cursor;
}

SearchResult MessageSearch::search(const SearchRequest& request) {
  if (request.limit < 1 || request.limit > kMaxSearchMatches || request.scan_limit < 1 ||
      request.scan_limit > kMaxScanLimit) {
    throwError(
        rpc::ErrorCode::INVALID_REQUEST,
        fmt::format("limit must be 1..{} and scan_limit 1..{}", kMaxSearchMatches, kMaxScanLimit));
  }
  const TopicRecord topic = topics_.describe(request.topic);
  const auto covered = coveredPartitions(topic, request.partition);
  SearchResult result;
  // Partitions still to scan share the budget; a resumed search covers only those the
  // cursor names (the others were done).
  std::vector<const PartitionRecord*> active;
  for (const auto& p : covered) {
    if (request.cursor.empty() || request.cursor.count(p.partition)) active.push_back(&p);
  }
  const int64_t share =
      std::max<int64_t>(1, request.scan_limit / std::max<size_t>(1, active.size()));
  struct Found {
    int partition;
    size_t index;  // into `scans`
    const rpc::StoredMessage* message;
  };
  std::vector<PartitionScan> scans(active.size());
  std::vector<int64_t> starts(active.size(), 0);
  std::vector<Found> found;
  for (size_t i = 0; i < active.size(); ++i) {
    const PartitionRecord& p = *active[i];
    SearchPartition progress;
    progress.partition = p.partition;
    std::string problem;
    bool bad_regex = false, timed_out = false;
    try {
      datanodes_.withDatanode(p.datanode_id, "search messages", [&](DbConnection& db) {
        const PartitionBounds bounds = PartitionStore::bounds(db, p.table_name);
        int64_t from = bounds.start_offset, to = bounds.end_offset;
        if (request.from_offset) from = std::max(from, *request.from_offset);
        if (request.to_offset) to = std::min(to, *request.to_offset);
        if (request.from_time_ms) {
          from = std::max(from, offsetAt(db, p.table_name, *request.from_time_ms, bounds));
        }
        if (request.to_time_ms && *request.to_time_ms < std::numeric_limits<int64_t>::max()) {
          to = std::min(to, offsetAt(db, p.table_name, *request.to_time_ms + 1, bounds));
        }
        to = std::max(from, to);
        progress.from = from;
        progress.to = to;
        auto resume = request.cursor.find(p.partition);
        const int64_t start =
            std::min(to, std::max(from, resume == request.cursor.end() ? from : resume->second));
        const int64_t stop = std::min(to, start + share);
        starts[i] = start;
        try {
          scans[i] = PartitionSearch::scan(db, p.table_name, start, stop, request.filter,
                                           request.limit, kMaxMatchBytes, kSearchStatementMs);
        } catch (const BadRegex& e) {
          bad_regex = true;
          problem = e.what();
          scans[i].next_offset = start;
        } catch (const ScanTimedOut& e) {
          timed_out = true;
          problem = e.what();
          scans[i].next_offset = start;
        }
      });
    } catch (const rpc::MqError& e) {
      if (e.code == rpc::ErrorCode::UNKNOWN_TOPIC) throw;
      progress.error = e.message;  // the other partitions are still searched
    }
    if (bad_regex) {
      throwError(rpc::ErrorCode::INVALID_REQUEST,
                 fmt::format("the regular expression was refused: {}", problem));
    }
    if (timed_out) {
      throwError(rpc::ErrorCode::TIMEOUT,
                 fmt::format("partition {}: {}; search fewer rows (scan_limit) or a simpler "
                             "regular expression",
                             p.partition, problem));
    }
    progress.next = progress.error.empty() ? scans[i].next_offset : progress.to;
    for (const auto& m : scans[i].matches) found.push_back({p.partition, i, &m});
    result.partitions.push_back(progress);
  }
  // Keep the `limit` earliest by append time; a partition resumes at its first match left out.
  std::stable_sort(found.begin(), found.end(), [](const Found& a, const Found& b) {
    if (a.message->append_time_ms != b.message->append_time_ms) {
      return a.message->append_time_ms < b.message->append_time_ms;
    }
    if (a.partition != b.partition) return a.partition < b.partition;
    return a.message->offset < b.message->offset;
  });
  for (size_t k = 0; k < found.size(); ++k) {
    SearchPartition& progress = result.partitions[found[k].index];
    if (k < static_cast<size_t>(request.limit)) {
      result.matches.push_back({found[k].partition, *found[k].message});
    } else {
      progress.next = std::min(progress.next, found[k].message->offset);
    }
  }
  for (size_t i = 0; i < result.partitions.size(); ++i) {
    SearchPartition& p = result.partitions[i];
    if (!p.error.empty()) continue;
    p.scanned = p.next - starts[i];
    result.scanned += p.scanned;
    result.remaining += p.to - p.next;
  }
  return result;
}

std::vector<SeekAnswer> MessageSearch::seek(const std::string& topic_name, int64_t time_ms,
                                            std::optional<int> partition) {
  const TopicRecord topic = topics_.describe(topic_name);
  std::vector<SeekAnswer> answers;
  for (const auto& p : coveredPartitions(topic, partition)) {
    SeekAnswer answer;
    answer.partition = p.partition;
    try {
      datanodes_.withDatanode(p.datanode_id, "seek by time", [&](DbConnection& db) {
        const PartitionBounds bounds = PartitionStore::bounds(db, p.table_name);
        answer.start_offset = bounds.start_offset;
        answer.end_offset = bounds.end_offset;
        answer.offset = offsetAt(db, p.table_name, time_ms, bounds);
        if (answer.offset < bounds.end_offset) {
          answer.append_time_ms = PartitionStore::appendTime(db, p.table_name, answer.offset);
        }
      });
    } catch (const rpc::MqError& e) {
      if (e.code == rpc::ErrorCode::UNKNOWN_TOPIC) throw;
      answer.error = e.message;
    }
    answers.push_back(answer);
  }
  return answers;
}

}  // namespace mq
