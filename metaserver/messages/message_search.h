// Search and seek by time over a topic's partitions for the portal (docs/portal.md#search-and-
// seek) and `mqctl search`: straight on the datanodes (PartitionSearch, PartitionStore), not
// through a broker, with every request bounded by the rows it may scan.
//
// A search request covers, per partition, the offsets between its bounds (from_offset /
// from_time and to_offset / to_time, within what is stored) and resumes at its cursor; it
// scans at most `scan_limit` rows over all partitions (shared out evenly), keeps at most
// `limit` matches, ordered by append time, and answers a cursor for the next request. No
// match is skipped or repeated across requests: a partition whose matches were not all kept
// resumes at its first one left out. A client shows progress (rows scanned / in range) and
// cancels by not asking again. With no filter the same request is the merged view of all
// partitions from a time, ordered by append time. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "metaserver/cluster/topic_service.h"
#include "metaserver/datanodes/datanode_registry.h"
#include "storage/partition_search.h"

namespace mq {

inline constexpr int kMaxSearchMatches = 100;
inline constexpr int64_t kDefaultScanLimit = 10000;
inline constexpr int64_t kMaxScanLimit = 100000;
inline constexpr int kSearchStatementMs = 5000;

struct SearchRequest {
  std::string topic;
  std::optional<int> partition;  // unset: every partition
  MessageFilter filter;
  std::optional<int64_t> from_offset, to_offset;    // to: exclusive
  std::optional<int64_t> from_time_ms, to_time_ms;  // append time; to: inclusive
  std::map<int, int64_t> cursor;                    // partition -> next offset to scan
  int limit = 20;                                   // 1..kMaxSearchMatches
  int64_t scan_limit = kDefaultScanLimit;           // 1..kMaxScanLimit
};

struct SearchPartition {
  int partition = 0;
  int64_t from = 0, to = 0;  // the range searched (to exclusive)
  int64_t next = 0;          // where the next request resumes (to: done)
  int64_t scanned = 0;       // rows of the range looked at by this request
  std::string error;         // the datanode could not be read
};

struct SearchMatch {
  int partition = 0;
  rpc::StoredMessage message;
};

struct SearchResult {
  std::vector<SearchMatch> matches;  // by append time, then partition and offset
  std::vector<SearchPartition> partitions;
  int64_t scanned = 0;    // rows looked at by this request
  int64_t remaining = 0;  // rows left in range after it
  bool done() const { return remaining == 0; }
  // "p:next,p:next" of the partitions not done ("" when done).
  std::string cursor() const;
};

struct SeekAnswer {
  int partition = 0;
  int64_t offset = 0;  // first offset appended at or after the time; end_offset if none
  int64_t start_offset = 0, end_offset = 0;
  std::optional<int64_t> append_time_ms;  // of the message at `offset`
  std::string error;
};

class MessageSearch {
 public:
  MessageSearch(TopicService& topics, DatanodeRegistry& datanodes)
      : topics_(topics), datanodes_(datanodes) {}

  // Throws MqError INVALID_REQUEST (a bad regular expression, a partition out of range),
  // UNKNOWN_TOPIC, REQUEST_TIMED_OUT (a statement over kSearchStatementMs).
  SearchResult search(const SearchRequest& request);
  // Per partition (or only `partition`), the first offset appended at or after `time_ms`.
  std::vector<SeekAnswer> seek(const std::string& topic, int64_t time_ms,
                               std::optional<int> partition = std::nullopt);

  // Parses a cursor ("p:next,..."); throws std::invalid_argument.
  static std::map<int, int64_t> parseCursor(const std::string& text);

 private:
  TopicService& topics_;
  DatanodeRegistry& datanodes_;
};

}  // namespace mq
