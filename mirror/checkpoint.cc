#include "mirror/checkpoint.h"

#include <charconv>
#include <chrono>

using mq::client::AdminClient;
using mq::client::ClientConfig;
using mq::client::ConsumedMessage;
using mq::client::Consumer;
using mq::client::ConsumerConfig;
using mq::client::Error;
using mq::client::Headers;
using mq::client::ProducerRecord;
using mq::client::TopicPartition;

namespace mq::mirror {
namespace {

constexpr const char* kSourceCluster = "mq-checkpoint-source-cluster";
constexpr const char* kGroup = "mq-checkpoint-group";
constexpr const char* kTopic = "mq-checkpoint-topic";
constexpr const char* kPartition = "mq-checkpoint-partition";
constexpr const char* kSourceOffset = "mq-checkpoint-source-offset";
constexpr const char* kTargetOffset = "mq-checkpoint-target-offset";
constexpr const char* kTime = "mq-checkpoint-time-ms";

template <typename T>
bool number(const Headers& headers, const char* name, T* value) {
  auto it = headers.find(name);
  if (it == headers.end() || it->second.empty()) return false;
  const std::string& text = it->second;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return error == std::errc() && end == text.data() + text.size() && *value >= 0;
}

bool text(const Headers& headers, const char* name, std::string* value) {
  auto it = headers.find(name);
  if (it == headers.end() || it->second.empty()) return false;
  *value = it->second;
  return true;
}

}  // namespace

ProducerRecord checkpointRecord(const Checkpoint& c) {
  ProducerRecord record;
  record.topic = kCheckpointTopic;
  record.partition = 0;
  record.key = c.source_cluster + "/" + c.group + "/" + c.topic + "/" + std::to_string(c.partition);
  record.headers = {{kSourceCluster, c.source_cluster},
                    {kGroup, c.group},
                    {kTopic, c.topic},
                    {kPartition, std::to_string(c.partition)},
                    {kSourceOffset, std::to_string(c.source_offset)},
                    {kTargetOffset, std::to_string(c.target_offset)},
                    {kTime, std::to_string(c.time_ms)}};
  record.value = "group " + c.group + " " + c.topic + "-" + std::to_string(c.partition) + ": " +
                 c.source_cluster + " offset " + std::to_string(c.source_offset) + " -> offset " +
                 std::to_string(c.target_offset);
  return record;
}

std::optional<Checkpoint> readCheckpoint(const ConsumedMessage& message) {
  Checkpoint c;
  const Headers& h = message.headers;
  if (!text(h, kSourceCluster, &c.source_cluster) || !text(h, kGroup, &c.group) ||
      !text(h, kTopic, &c.topic) || !number(h, kPartition, &c.partition) ||
      !number(h, kSourceOffset, &c.source_offset) || !number(h, kTargetOffset, &c.target_offset) ||
      !number(h, kTime, &c.time_ms)) {
    return std::nullopt;
  }
  return c;
}

std::map<TopicPartition, Checkpoint> latestCheckpoints(const ClientConfig& target,
                                                       const std::string& source_cluster,
                                                       const std::string& group) {
  AdminClient admin(target);
  const auto offsets = admin.topicOffsets(kCheckpointTopic);
  std::map<TopicPartition, Checkpoint> latest;
  ConsumerConfig config;
  static_cast<ClientConfig&>(config) = target;
  config.lane = "*";
  config.max_poll_messages = 2000;
  Consumer consumer(config);
  for (const auto& partition : offsets) {
    if (partition.end_offset <= partition.start_offset) continue;
    consumer.assign({partition.partition});
    consumer.seek(partition.partition, partition.start_offset);
    int idle_polls = 0;
    while (consumer.position(partition.partition) < partition.end_offset) {
      auto messages = consumer.poll(std::chrono::milliseconds(1000));
      if (messages.empty()) {
        if (++idle_polls > 30) {
          throw Error(client::ErrorCode::TIMEOUT,
                      std::string("reading ") + kCheckpointTopic + " made no progress for 30 s",
                      true);
        }
        continue;
      }
      idle_polls = 0;
      for (const auto& message : messages) {
        auto checkpoint = readCheckpoint(message);
        if (!checkpoint || checkpoint->source_cluster != source_cluster ||
            checkpoint->group != group) {
          continue;
        }
        latest[TopicPartition{checkpoint->topic, checkpoint->partition}] = *checkpoint;
      }
    }
  }
  consumer.close();
  return latest;
}

}  // namespace mq::mirror
