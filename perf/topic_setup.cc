#include "perf/topic_setup.h"

#include <fmt/format.h>

#include <iostream>
#include <random>
#include <thread>

#include "common/clock.h"

using mq::client::AdminClient;
using mq::client::ClientConfig;
using mq::client::Error;
using mq::client::NewTopic;

namespace mq::perf {
namespace {

// How long a new topic may take to appear in a broker's topology cache.
constexpr auto kTopicVisibleTimeout = std::chrono::seconds(20);

int servedPartitions(AdminClient& admin, const std::string& topic) {
  try {
    auto metadata = admin.metadata({topic});
    for (const auto& info : metadata.topics) {
      if (info.name == topic) return static_cast<int>(info.partitions.size());
    }
  } catch (const Error& e) {
    if (e.code() != client::ErrorCode::UNKNOWN_TOPIC) throw;
  }
  return 0;
}

}  // namespace

ClientConfig clientConfig(const PerfConfig& config, const std::string& client_id) {
  ClientConfig client;
  client.metaserver = config.metaserver;
  client.bootstrap_brokers = config.brokers;
  client.client_id = client_id;
  client.token = config.token;
  client.tls = config.tls;
  return client;
}

int prepareTopic(const PerfConfig& config, bool quiet) {
  AdminClient admin(clientConfig(config, "mq-perf-admin"));
  if (!config.metaserver.empty()) {
    try {
      auto info = admin.describeTopic(config.topic);
      if (config.partitions > 0 && static_cast<int>(info.partitions.size()) != config.partitions &&
          !quiet) {
        std::cerr << fmt::format(
            "mq-perf: topic `{}` exists with {} partitions (not {}); using it as it is\n",
            config.topic, info.partitions.size(), config.partitions);
      }
    } catch (const Error& e) {
      if (e.code() != client::ErrorCode::UNKNOWN_TOPIC) throw;
      if (config.partitions <= 0) {
        throw Error(client::ErrorCode::UNKNOWN_TOPIC,
                    fmt::format("topic `{}` does not exist; give --partitions N to create it",
                                config.topic),
                    false);
      }
      NewTopic topic;
      topic.name = config.topic;
      topic.partitions = config.partitions;
      topic.description = "mq-perf benchmark topic";
      try {
        admin.createTopic(topic);
        if (!quiet) {
          std::cerr << fmt::format("mq-perf: created topic `{}` with {} partitions\n", config.topic,
                                   config.partitions);
        }
      } catch (const Error& created) {
        if (created.code() != client::ErrorCode::TOPIC_ALREADY_EXISTS) throw;  // a concurrent run
      }
    }
  }
  // The brokers learn about a new topic on their next topology refresh. Without a
  // metaserver there is nothing to wait for: the broker's answer is final.
  const auto deadline = SteadyClock::now() + (config.metaserver.empty()
                                                  ? SteadyClock::duration::zero()
                                                  : SteadyClock::duration(kTopicVisibleTimeout));
  while (true) {
    if (int partitions = servedPartitions(admin, config.topic); partitions > 0) return partitions;
    if (SteadyClock::now() >= deadline) {
      throw Error(client::ErrorCode::UNKNOWN_TOPIC,
                  fmt::format("no broker serves topic `{}`{}", config.topic,
                              config.metaserver.empty()
                                  ? " (give --metaserver and --partitions to create it)"
                                  : " after waiting 20 s"),
                  false);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::string makePayload(int size, uint64_t seed) {
  static constexpr char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::mt19937_64 random(seed);
  std::string payload(static_cast<size_t>(size), 'x');
  for (auto& c : payload) c = kAlphabet[random() % (sizeof(kAlphabet) - 1)];
  return payload;
}

}  // namespace mq::perf
