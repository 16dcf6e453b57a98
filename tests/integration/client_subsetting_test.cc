// Deterministic subsetting with real brokers: a client with broker_subset_size = 1 sends
// every request to one broker of three (the one its key picks), and when that broker dies
// it carries on through the others.
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>

#include "client/broker_subset.h"
#include "client/host_port.h"
#include "mq/client.h"
#include "server/http_client.h"
#include "tests/harness/test_cluster.h"

using mq::client::HostPort;
using mq::client::parseHostPort;
using mq::client::Producer;
using mq::client::ProducerConfig;

namespace mq::test {
namespace {

// Produce requests the broker served, from its /metrics.
int64_t producesServed(const TestCluster& cluster, int broker) {
  std::string problem;
  auto url = HttpUrl::parse(
      "http://127.0.0.1:" + std::to_string(cluster.brokerMetricsPort(broker)) + "/metrics",
      &problem);
  const std::string body = httpRequest("GET", *url).body;
  int64_t total = 0;
  const std::regex line(R"(mq_broker_rpc_requests_total\{[^}]*method="produce"[^}]*\} (\d+))");
  for (std::sregex_iterator it(body.begin(), body.end(), line), end; it != end; ++it) {
    total += std::stoll((*it)[1]);
  }
  return total;
}

TEST(ClientSubsetting, AClientUsesOnlyItsSubsetAndFallsBackWhenItFails) {
  ClusterOptions options;
  options.brokers = 3;
  TestCluster cluster(options);
  cluster.createTopic("subset", 3);

  ProducerConfig config;
  config.metaserver = cluster.metaserverAddress();
  config.broker_subset_size = 1;
  config.broker_subset_key = "orders-service@host-1";
  config.retry_backoff_max_ms = 200;
  config.linger_ms = 0;
  // The broker the key picks, computed the way the client does.
  std::vector<HostPort> brokers;
  for (const auto& address : cluster.brokerAddresses()) {
    std::string problem;
    brokers.push_back(*parseHostPort(address, &problem));
  }
  const HostPort chosen = brokerSubset(brokers, config.broker_subset_key, 1).at(0);
  int chosen_index = -1;
  for (int i = 0; i < 3; ++i) {
    if (brokers[i] == chosen) chosen_index = i;
  }
  ASSERT_GE(chosen_index, 0);

  Producer producer(config);
  for (int i = 0; i < 30; ++i) producer.send("subset", "m" + std::to_string(i));
  for (int i = 0; i < 3; ++i) {
    if (i == chosen_index) {
      EXPECT_GT(producesServed(cluster, i), 0) << "the subset's broker served the produces";
    } else {
      EXPECT_EQ(producesServed(cluster, i), 0) << "broker " << i << " is outside the subset";
    }
  }

  cluster.broker(chosen_index).signal(SIGKILL);
  for (int i = 0; i < 30; ++i) producer.send("subset", "after-" + std::to_string(i));
  int64_t others = 0;
  for (int i = 0; i < 3; ++i) {
    if (i != chosen_index) others += producesServed(cluster, i);
  }
  EXPECT_GT(others, 0) << "with the subset down, the other brokers took over";
}

}  // namespace
}  // namespace mq::test
