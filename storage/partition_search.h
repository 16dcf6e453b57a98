// Message search on a datanode (the portal's search, docs/portal.md#search-and-seek): the
// SQL that filters a partition table's rows. Every scan reads one bounded primary-key range
// [from, to) of the table, so the caller decides how many rows a request may cost the
// datanode; the server also stops a statement after `max_statement_ms` (a costly regular
// expression). Filters run in MariaDB: the key by equality, the value by LOCATE (bytes) or
// REGEXP (PCRE, case-sensitive on the bytes), a header by LOCATE of its encoded name and
// value (header_codec.h) and then exactly here. Thread-safe (no state).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "mq_types.h"
#include "storage/db_pool.h"

namespace mq {

struct MessageFilter {
  std::optional<std::string> key;                             // exactly this key
  std::optional<std::pair<std::string, std::string>> header;  // a header name = value
  std::optional<std::string> contains;                        // bytes of the value
  std::optional<std::string> regex;                           // PCRE on the value
  bool any() const { return key || header || contains || regex; }
};

struct PartitionScan {
  std::vector<rpc::StoredMessage> matches;  // in offset order
  int64_t next_offset = 0;                  // where the next scan of the range starts
};

// The datanode refused the regular expression (MariaDB's message says why).
class BadRegex : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};
// The statement ran longer than max_statement_ms.
class ScanTimedOut : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class PartitionSearch {
 public:
  // The messages of offsets [from, to) that pass `filter`, at most `max_matches`, stopping
  // once `max_bytes` of keys and values were gathered (at least one match when any). One
  // statement. next_offset is `to` when the range was searched to its end, else the offset
  // after the last match returned. Throws BadRegex, ScanTimedOut, sql::SQLException.
  static PartitionScan scan(DbConnection& db, const std::string& table, int64_t from, int64_t to,
                            const MessageFilter& filter, int max_matches, int64_t max_bytes,
                            int max_statement_ms);
};

}  // namespace mq
