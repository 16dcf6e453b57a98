// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum of a Kafka RecordBatch
// v2, over everything from its attributes to its end. Every Kafka batch produced is checked
// and every batch fetched is summed, so it runs over each message's bytes once each way: with
// the CPU's CRC32 instruction where there is one (x86-64 with SSE4.2, chosen at run time),
// otherwise table-driven, slicing by 8 bytes.
#pragma once

#include <cstdint>
#include <string_view>

namespace mq::kafka {

// The CRC-32C of `data`; `crc` continues an earlier value (0 to start).
uint32_t crc32c(std::string_view data, uint32_t crc = 0);

// The same, always with the tables (what crc32c falls back to; its tests compare the two).
uint32_t crc32cPortable(std::string_view data, uint32_t crc = 0);

// Whether crc32c uses the CPU's instruction on this machine.
bool crc32cInHardware();

}  // namespace mq::kafka
