#include "mirror/provenance.h"

#include <charconv>

using mq::client::ConsumedMessage;
using mq::client::Headers;

namespace mq::mirror {
namespace {

template <typename T>
bool parseNumber(const std::string& text, T* value) {
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return error == std::errc() && end == text.data() + text.size() && *value >= 0;
}

const std::string* find(const Headers& headers, const char* name) {
  auto it = headers.find(name);
  return it == headers.end() ? nullptr : &it->second;
}

}  // namespace

std::optional<Provenance> readProvenance(const Headers& headers) {
  const std::string* cluster = find(headers, kSourceClusterHeader);
  const std::string* topic = find(headers, kSourceTopicHeader);
  const std::string* partition = find(headers, kSourcePartitionHeader);
  const std::string* offset = find(headers, kSourceOffsetHeader);
  if (!cluster || !topic || !partition || !offset) return std::nullopt;
  Provenance p;
  p.cluster = *cluster;
  p.topic = *topic;
  if (!parseNumber(*partition, &p.partition) || !parseNumber(*offset, &p.offset)) {
    return std::nullopt;
  }
  return p;
}

Headers stampProvenance(const ConsumedMessage& message, const std::string& source_cluster) {
  Headers headers = message.headers;
  headers.emplace(kOriginHeader, source_cluster);  // kept when an earlier hop set it
  headers[kSourceClusterHeader] = source_cluster;
  headers[kSourceTopicHeader] = message.topic;
  headers[kSourcePartitionHeader] = std::to_string(message.partition);
  headers[kSourceOffsetHeader] = std::to_string(message.offset);
  return headers;
}

bool cameFrom(const Headers& headers, const std::string& target_cluster) {
  const std::string* origin = find(headers, kOriginHeader);
  const std::string* source = find(headers, kSourceClusterHeader);
  return (origin && *origin == target_cluster) || (source && *source == target_cluster);
}

}  // namespace mq::mirror
