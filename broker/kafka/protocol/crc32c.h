// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum of a Kafka RecordBatch
// v2, over everything from its attributes to its end. Table-driven, slicing by 8 bytes.
#pragma once

#include <cstdint>
#include <string_view>

namespace mq::kafka {

// The CRC-32C of `data`; `crc` continues an earlier value (0 to start).
uint32_t crc32c(std::string_view data, uint32_t crc = 0);

}  // namespace mq::kafka
