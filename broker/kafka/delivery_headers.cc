#include "broker/kafka/delivery_headers.h"

#include <fmt/format.h>

#include <charconv>

namespace mq::kafka {
namespace {

// A decimal value of 1 to 19 digits that fits an int64_t.
std::optional<int64_t> decimal(const std::string& text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string printable(const std::string& value) {
  std::string out;
  for (char c : value.substr(0, 40)) {
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (value.size() > 40) out += "...";
  return out;
}

}  // namespace

bool isDeliveryHeader(const std::string& name) {
  return name == kDeliverAtHeader || name == kDelayHeader;
}

std::optional<int64_t> deliveryTimeFromHeaders(const std::vector<RecordHeader>& headers,
                                               int64_t now_ms, int64_t max_delay_ms,
                                               std::string* problem) {
  const RecordHeader* found = nullptr;
  for (const auto& header : headers) {
    if (!isDeliveryHeader(header.key)) continue;
    if (found) {
      *problem = fmt::format(
          "headers {} and {} both given: a record has at most one delivery "
          "time",
          found->key, header.key);
      return std::nullopt;
    }
    found = &header;
  }
  if (!found) return 0;
  const std::string value = found->value.value_or("");
  const auto number = decimal(value);
  if (!number) {
    *problem = fmt::format(
        "header {} must be a decimal number of milliseconds (digits only), "
        "got `{}`",
        found->key, printable(value));
    return std::nullopt;
  }
  if (found->key == kDelayHeader) {
    if (*number > max_delay_ms) {
      *problem = fmt::format("header {} is {} ms: the broker's max-delay is {} ms", kDelayHeader,
                             *number, max_delay_ms);
      return std::nullopt;
    }
    return *number == 0 ? 0 : now_ms + *number;
  }
  if (*number > now_ms + max_delay_ms) {
    *problem = fmt::format(
        "header {} is {}, more than the broker's max-delay ({} ms) from now "
        "({})",
        kDeliverAtHeader, *number, max_delay_ms, now_ms);
    return std::nullopt;
  }
  return *number <= now_ms ? 0 : *number;
}

}  // namespace mq::kafka
