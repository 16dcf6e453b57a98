// What the files of PartitionStore (partition_store.cc, partition_append.cc,
// partition_delayed.cc, partition_segments.cc) share; not part of the store's interface.
#pragma once

#include <cppconn/resultset.h>

#include <cstdint>
#include <string>

namespace mq::partition_sql {

// `text` with every `{table}` replaced by `table` (the partition table template).
std::string replaceTable(const std::string& text, const std::string& table);
// The catch-all last segment (PARTITION pmax): its comment records the table's segment width,
// kWidthComment then the number, so that the width survives drops and REORGANIZEs
// (information_schema.PARTITIONS.PARTITION_COMMENT).
inline constexpr const char* kWidthComment = "segment_messages=";
std::string pmaxClause(int64_t segment_messages);
std::string pmaxClause(int64_t segment_messages);

}  // namespace mq::partition_sql
