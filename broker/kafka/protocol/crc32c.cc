#include "broker/kafka/protocol/crc32c.h"

#include <array>
#include <cstring>

namespace mq::kafka {
namespace {

using Tables = std::array<std::array<uint32_t, 256>, 8>;

Tables makeTables() {
  Tables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i) {
    for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
  }
  return t;
}

const Tables& tables() {
  static const Tables t = makeTables();
  return t;
}

// Both forms below work on the register itself: the caller inverts it before and after.
uint32_t withTables(const unsigned char* p, size_t n, uint32_t crc) {
  const Tables& t = tables();
  while (n >= 8) {
    const uint32_t low =
        crc ^ (uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24);
    crc = t[7][low & 0xff] ^ t[6][(low >> 8) & 0xff] ^ t[5][(low >> 16) & 0xff] ^ t[4][low >> 24] ^
          t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
  return crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MQ_CRC32C_HARDWARE 1

// SSE4.2's CRC32 computes exactly this polynomial, reflected, 8 bytes per instruction.
__attribute__((target("sse4.2"))) uint32_t withInstruction(const unsigned char* p, size_t n,
                                                           uint32_t crc) {
  uint64_t wide = crc;
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, sizeof word);  // little-endian, as the tables read it
    wide = __builtin_ia32_crc32di(wide, word);
    p += 8;
    n -= 8;
  }
  crc = static_cast<uint32_t>(wide);
  while (n-- > 0) crc = __builtin_ia32_crc32qi(crc, *p++);
  return crc;
}

bool hasInstruction() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") != 0;
  }();
  return has;
}
#endif

}  // namespace

uint32_t crc32c(std::string_view data, uint32_t crc) {
#ifdef MQ_CRC32C_HARDWARE
  if (hasInstruction()) {
    return ~withInstruction(reinterpret_cast<const unsigned char*>(data.data()), data.size(), ~crc);
  }
#endif
  return crc32cPortable(data, crc);
}

uint32_t crc32cPortable(std::string_view data, uint32_t crc) {
  return ~withTables(reinterpret_cast<const unsigned char*>(data.data()), data.size(), ~crc);
}

bool crc32cInHardware() {
#ifdef MQ_CRC32C_HARDWARE
  return hasInstruction();
#else
  return false;
#endif
}

}  // namespace mq::kafka
