// What the files of PartitionStore (partition_store.cc, partition_append.cc,
// partition_delayed.cc, partition_segments.cc) and the partition search share; not part of
// the store's interface.
#pragma once

#include <cppconn/resultset.h>

#include <cstdint>
#include <string>

#include "mq_types.h"

namespace mq::partition_sql {

// `text` with every `{table}` replaced by `table` (the partition table template).
std::string replaceTable(const std::string& text, const std::string& table);
// The catch-all last segment (PARTITION pmax): its comment records the table's segment width,
// kWidthComment then the number, so that the width survives drops and REORGANIZEs
// (information_schema.PARTITIONS.PARTITION_COMMENT).
inline constexpr const char* kWidthComment = "segment_messages=";
std::string pmaxClause(int64_t segment_messages);

// The columns of a stored message, in the order storedMessage() reads them.
inline constexpr const char* kMessageColumns =
    "`offset`, msg_key, headers, payload, produce_ms, append_ms";
// The current row of a SELECT of kMessageColumns as a message.
rpc::StoredMessage storedMessage(sql::ResultSet& rows);

}  // namespace mq::partition_sql
