// Record-batch compression codecs (the low 3 bits of a RecordBatch's attributes): none,
// gzip (zlib), snappy (libsnappy; raw blocks as librdkafka writes them, or the xerial
// framing the Java client writes), lz4 (liblz4's frame format, as Kafka >= 0.10 uses) and
// zstd (libzstd). Decompression is bounded: output beyond `max_bytes` fails the batch
// (a decompression bomb costs at most that much memory), as does a damaged input.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mq::kafka {

enum class Compression : int { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };

const char* compressionName(Compression codec);

// A batch whose records cannot be decompressed (damaged, over the bound, unknown codec).
class CompressionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string compress(Compression codec, std::string_view data);
// Throws CompressionError when the input is damaged or inflates beyond max_bytes.
std::string decompress(Compression codec, std::string_view data, size_t max_bytes);

}  // namespace mq::kafka
