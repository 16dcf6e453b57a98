#include "broker/kafka/consumer_protocol.h"

#include "broker/kafka/protocol/wire.h"

namespace mq::kafka {
namespace {

constexpr int16_t kEncodedVersion = 1;

// [topic, [partition]] in the classic (non-flexible) encoding.
std::vector<rpc::TopicPartitions> readTopicPartitions(WireReader& in) {
  std::vector<rpc::TopicPartitions> out;
  const int32_t topics = in.arrayCount(false, 2);
  for (int32_t i = 0; i < topics; ++i) {
    rpc::TopicPartitions entry;
    entry.topic = in.string();
    const int32_t partitions = in.arrayCount(false, 4);
    for (int32_t p = 0; p < partitions; ++p) entry.partitions.push_back(in.int32());
    out.push_back(std::move(entry));
  }
  return out;
}

void writeTopicPartitions(WireWriter& out, const std::vector<rpc::TopicPartitions>& entries) {
  out.arrayCount(false, static_cast<int32_t>(entries.size()));
  for (const auto& entry : entries) {
    out.string(entry.topic);
    out.arrayCount(false, static_cast<int32_t>(entry.partitions.size()));
    for (int32_t partition : entry.partitions) out.int32(partition);
  }
}

int16_t readVersion(WireReader& in, const char* what) {
  const int16_t version = in.int16();
  if (version < 0) {
    throw KafkaDecodeError(std::string(what) + " version " + std::to_string(version) +
                           " is negative");
  }
  return version;
}

}  // namespace

rpc::ConsumerSubscription decodeSubscription(std::string_view bytes) {
  WireReader in(bytes);
  const int16_t version = readVersion(in, "consumer subscription");
  rpc::ConsumerSubscription subscription;
  const int32_t topics = in.arrayCount(false, 2);
  for (int32_t i = 0; i < topics; ++i) subscription.topics.push_back(in.string());
  subscription.user_data = in.nullableBytes().value_or("");
  if (version >= 1) subscription.owned_partitions = readTopicPartitions(in);
  // v2 adds the generation and v3 the rack: read by nobody here; later versions may add more.
  return subscription;
}

std::string encodeSubscription(const rpc::ConsumerSubscription& subscription) {
  WireWriter out;
  out.int16(kEncodedVersion);
  out.arrayCount(false, static_cast<int32_t>(subscription.topics.size()));
  for (const auto& topic : subscription.topics) out.string(topic);
  out.bytes(subscription.user_data);
  writeTopicPartitions(out, subscription.owned_partitions);
  return std::move(out.buffer());
}

std::vector<rpc::TopicPartitions> decodeAssignment(std::string_view bytes) {
  if (bytes.empty()) return {};
  WireReader in(bytes);
  readVersion(in, "consumer assignment");
  return readTopicPartitions(in);  // the user data that follows is not kept
}

std::string encodeAssignment(const std::vector<rpc::TopicPartitions>& partitions) {
  WireWriter out;
  out.int16(kEncodedVersion);
  writeTopicPartitions(out, partitions);
  out.nullableBytes(std::nullopt);
  return std::move(out.buffer());
}

}  // namespace mq::kafka
