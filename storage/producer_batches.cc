#include "storage/producer_batches.h"

#include <fmt/format.h>

#include <charconv>
#include <utility>

namespace mq {

namespace {

template <typename Int>
bool parseInt(std::string_view text, Int& out) {
  const char* end = text.data() + text.size();
  auto [at, error] = std::from_chars(text.data(), end, out);
  return error == std::errc() && at == end;
}

// "sequence:count:offset"
std::optional<AppendedBatch> parseBatch(std::string_view text) {
  const size_t first = text.find(':');
  if (first == std::string_view::npos) return std::nullopt;
  const size_t second = text.find(':', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  AppendedBatch batch;
  if (!parseInt(text.substr(0, first), batch.sequence) ||
      !parseInt(text.substr(first + 1, second - first - 1), batch.count) ||
      !parseInt(text.substr(second + 1), batch.base_offset) || batch.count <= 0) {
    return std::nullopt;
  }
  return batch;
}

}  // namespace

RetainedBatches::RetainedBatches(std::vector<AppendedBatch> newest_first)
    : batches_(std::move(newest_first)) {
  if (batches_.size() > kRetainedBatches) batches_.resize(kRetainedBatches);
}

std::optional<AppendedBatch> RetainedBatches::find(int32_t sequence, int32_t count) const {
  for (const auto& batch : batches_) {
    if (batch.sequence == sequence && batch.count == count) return batch;
  }
  return std::nullopt;
}

void RetainedBatches::push(const AppendedBatch& batch) {
  batches_.insert(batches_.begin(), batch);
  if (batches_.size() > kRetainedBatches) batches_.pop_back();
}

std::string RetainedBatches::encodeEarlier() const {
  std::string text;
  for (size_t i = 1; i < batches_.size(); ++i) {
    if (!text.empty()) text += ' ';
    text +=
        fmt::format("{}:{}:{}", batches_[i].sequence, batches_[i].count, batches_[i].base_offset);
  }
  return text;
}

RetainedBatches RetainedBatches::decode(const AppendedBatch& newest, const std::string& earlier) {
  std::vector<AppendedBatch> batches{newest};
  std::string_view rest(earlier);
  while (!rest.empty() && batches.size() < kRetainedBatches) {
    const size_t space = rest.find(' ');
    const std::string_view item = rest.substr(0, space);
    if (auto batch = parseBatch(item)) batches.push_back(*batch);
    if (space == std::string_view::npos) break;
    rest.remove_prefix(space + 1);
  }
  return RetainedBatches(std::move(batches));
}

}  // namespace mq
