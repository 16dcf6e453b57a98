#include "mirror/target_tail.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "mirror/provenance.h"

using mq::client::ClientConfig;
using mq::client::ConsumedMessage;
using mq::client::ConsumerConfig;
using mq::client::Error;
using mq::client::OffsetQuery;
using mq::client::OffsetSpec;
using mq::client::PartitionOffsets;
using mq::client::TopicPartition;

namespace mq::mirror {
namespace {

ConsumerConfig tailConsumerConfig(const ClientConfig& target, int window) {
  ConsumerConfig config;
  static_cast<ClientConfig&>(config) = target;
  config.client_id = target.client_id + "-tail";
  config.lane = "*";  // copies keep their lane header: read them all
  config.max_poll_messages = std::max(1, std::min(window, 5000));
  return config;
}

}  // namespace

TargetTail::TargetTail(const ClientConfig& target, int window)
    : admin_(target), consumer_(tailConsumerConfig(target, window)), window_(window) {}

TargetTail::~TargetTail() { consumer_.close(); }

std::optional<LastCopy> TargetTail::find(const std::string& source_cluster,
                                         const TopicPartition& partition) {
  // A target topic the mirror has just created may not be known to every broker yet.
  std::vector<PartitionOffsets> offsets;
  for (int attempt = 0;; ++attempt) {
    try {
      offsets = admin_.listOffsets({OffsetQuery{partition, OffsetSpec::kLatest, 0}});
      break;
    } catch (const Error& e) {
      const bool unknown = e.code() == client::ErrorCode::UNKNOWN_TOPIC ||
                           e.code() == client::ErrorCode::UNKNOWN_PARTITION;
      if (!unknown || attempt >= 150) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  const int64_t start = offsets.at(0).start_offset;
  int64_t end = offsets.at(0).end_offset;
  consumer_.assign({partition});
  while (end > start) {
    const int64_t from = std::max(start, end - window_);
    consumer_.seek(partition, from);
    std::vector<ConsumedMessage> window;
    int idle_polls = 0;
    while (consumer_.position(partition) < end) {
      auto messages = consumer_.poll(std::chrono::milliseconds(500));
      if (messages.empty()) {
        if (++idle_polls > 60) {
          throw Error(client::ErrorCode::TIMEOUT,
                      "reading the tail of target partition " + partition.toString() +
                          " made no progress for 30 s",
                      true);
        }
        continue;
      }
      idle_polls = 0;
      for (auto& m : messages) {
        if (m.offset < end) window.push_back(std::move(m));
      }
    }
    for (auto it = window.rbegin(); it != window.rend(); ++it) {
      auto provenance = readProvenance(it->headers);
      if (provenance && provenance->cluster == source_cluster &&
          provenance->topic == partition.topic && provenance->partition == partition.partition) {
        return LastCopy{provenance->offset, it->offset};
      }
    }
    end = from;
  }
  return std::nullopt;
}

}  // namespace mq::mirror
