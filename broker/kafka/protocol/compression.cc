#include "broker/kafka/protocol/compression.h"

#include <fmt/format.h>
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <memory>

namespace mq::kafka {
namespace {

constexpr size_t kChunk = 64 * 1024;

[[noreturn]] void fail(Compression codec, const std::string& what) {
  throw CompressionError(
      fmt::format("{} records cannot be decompressed: {}", compressionName(codec), what));
}

void checkBound(Compression codec, size_t size, size_t max_bytes) {
  if (size > max_bytes) {
    fail(codec, fmt::format("they inflate beyond the limit of {} bytes", max_bytes));
  }
}

std::string gzipCompress(std::string_view data) {
  z_stream s{};
  if (deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  std::string out(deflateBound(&s, data.size()) + 32, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&s, Z_FINISH);
  out.resize(s.total_out);
  deflateEnd(&s);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
  return out;
}

std::string gzipDecompress(std::string_view data, size_t max_bytes) {
  z_stream s{};
  if (inflateInit2(&s, 15 + 32) != Z_OK) fail(Compression::kGzip, "inflateInit2 failed");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&s, inflateEnd);
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buffer[kChunk];
  while (true) {
    s.next_out = reinterpret_cast<Bytef*>(buffer);
    s.avail_out = sizeof(buffer);
    const int rc = inflate(&s, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      fail(Compression::kGzip, s.msg != nullptr ? s.msg : fmt::format("zlib error {}", rc));
    }
    const size_t produced = sizeof(buffer) - s.avail_out;
    checkBound(Compression::kGzip, out.size() + produced, max_bytes);
    out.append(buffer, produced);
    if (rc == Z_STREAM_END) return out;
    if (produced == 0 && s.avail_in == 0) fail(Compression::kGzip, "truncated stream");
  }
}

std::string snappyBlock(std::string_view block, size_t max_bytes, size_t already) {
  size_t length = 0;
  if (!snappy::GetUncompressedLength(block.data(), block.size(), &length)) {
    fail(Compression::kSnappy, "bad block header");
  }
  checkBound(Compression::kSnappy, already + length, max_bytes);
  std::string out;
  if (!snappy::Uncompress(block.data(), block.size(), &out)) {
    fail(Compression::kSnappy, "damaged block");
  }
  return out;
}

// Java's client writes snappy in xerial's framing: a magic header, then blocks each
// preceded by its big-endian length. librdkafka writes one raw block.
std::string snappyDecompress(std::string_view data, size_t max_bytes) {
  static constexpr char kXerialMagic[8] = {'\x82', 'S', 'N', 'A', 'P', 'P', 'Y', '\0'};
  if (data.size() < 16 || std::memcmp(data.data(), kXerialMagic, 8) != 0) {
    return snappyBlock(data, max_bytes, 0);
  }
  std::string out;
  size_t pos = 16;  // magic, version, compatible version
  while (pos < data.size()) {
    if (data.size() - pos < 4) fail(Compression::kSnappy, "truncated xerial block length");
    const auto* p = reinterpret_cast<const unsigned char*>(data.data() + pos);
    const size_t length = (size_t{p[0]} << 24) | (size_t{p[1]} << 16) | (size_t{p[2]} << 8) | p[3];
    pos += 4;
    if (length > data.size() - pos) fail(Compression::kSnappy, "truncated xerial block");
    out += snappyBlock(data.substr(pos, length), max_bytes, out.size());
    pos += length;
  }
  return out;
}

std::string lz4Compress(std::string_view data) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  std::string out(LZ4F_compressFrameBound(data.size(), &prefs), '\0');
  const size_t n = LZ4F_compressFrame(out.data(), out.size(), data.data(), data.size(), &prefs);
  if (LZ4F_isError(n)) throw std::runtime_error(LZ4F_getErrorName(n));
  out.resize(n);
  return out;
}

std::string lz4Decompress(std::string_view data, size_t max_bytes) {
  LZ4F_dctx* ctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) {
    fail(Compression::kLz4, "cannot create a context");
  }
  std::unique_ptr<LZ4F_dctx, size_t (*)(LZ4F_dctx*)> guard(ctx, LZ4F_freeDecompressionContext);
  std::string out;
  char buffer[kChunk];
  size_t pos = 0;
  while (true) {
    size_t in_size = data.size() - pos;
    size_t out_size = sizeof(buffer);
    const size_t hint =
        LZ4F_decompress(ctx, buffer, &out_size, data.data() + pos, &in_size, nullptr);
    if (LZ4F_isError(hint)) fail(Compression::kLz4, LZ4F_getErrorName(hint));
    pos += in_size;
    checkBound(Compression::kLz4, out.size() + out_size, max_bytes);
    out.append(buffer, out_size);
    if (hint == 0) return out;  // frame complete
    if (pos >= data.size() && out_size == 0) fail(Compression::kLz4, "truncated frame");
  }
}

std::string zstdCompress(std::string_view data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  if (ZSTD_isError(n)) throw std::runtime_error(ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

std::string zstdDecompress(std::string_view data, size_t max_bytes) {
  ZSTD_DStream* stream = ZSTD_createDStream();
  if (stream == nullptr) fail(Compression::kZstd, "cannot create a stream");
  std::unique_ptr<ZSTD_DStream, size_t (*)(ZSTD_DStream*)> guard(stream, ZSTD_freeDStream);
  ZSTD_initDStream(stream);
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  std::string out;
  char buffer[kChunk];
  while (true) {
    ZSTD_outBuffer chunk{buffer, sizeof(buffer), 0};
    const size_t rc = ZSTD_decompressStream(stream, &chunk, &in);
    if (ZSTD_isError(rc)) fail(Compression::kZstd, ZSTD_getErrorName(rc));
    checkBound(Compression::kZstd, out.size() + chunk.pos, max_bytes);
    out.append(buffer, chunk.pos);
    if (rc == 0 && in.pos == in.size) return out;  // frame(s) complete
    if (in.pos == in.size && chunk.pos < sizeof(buffer) && rc != 0) {
      fail(Compression::kZstd, "truncated frame");
    }
  }
}

}  // namespace

const char* compressionName(Compression codec) {
  switch (codec) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kSnappy:
      return "snappy";
    case Compression::kLz4:
      return "lz4";
    case Compression::kZstd:
      return "zstd";
  }
  return "unknown";
}

std::string compress(Compression codec, std::string_view data) {
  switch (codec) {
    case Compression::kNone:
      return std::string(data);
    case Compression::kGzip:
      return gzipCompress(data);
    case Compression::kSnappy: {
      std::string out;
      snappy::Compress(data.data(), data.size(), &out);
      return out;
    }
    case Compression::kLz4:
      return lz4Compress(data);
    case Compression::kZstd:
      return zstdCompress(data);
  }
  throw std::invalid_argument("unknown compression codec");
}

std::string decompress(Compression codec, std::string_view data, size_t max_bytes) {
  switch (codec) {
    case Compression::kNone:
      checkBound(codec, data.size(), max_bytes);
      return std::string(data);
    case Compression::kGzip:
      return gzipDecompress(data, max_bytes);
    case Compression::kSnappy:
      return snappyDecompress(data, max_bytes);
    case Compression::kLz4:
      return lz4Decompress(data, max_bytes);
    case Compression::kZstd:
      return zstdDecompress(data, max_bytes);
  }
  throw CompressionError(fmt::format("unknown compression codec {}", static_cast<int>(codec)));
}

}  // namespace mq::kafka
