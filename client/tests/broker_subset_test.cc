// Deterministic subsetting (client/broker_subset.h): deterministic, balanced, little churn.
#include "client/broker_subset.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

using mq::client::brokerSubset;
using mq::client::HostPort;

namespace mq {
namespace {

std::vector<HostPort> brokers(int count, int first = 0) {
  std::vector<HostPort> list;
  for (int i = first; i < first + count; ++i) list.push_back({"10.0.0." + std::to_string(i), 9200});
  return list;
}

std::set<HostPort> asSet(const std::vector<HostPort>& list) { return {list.begin(), list.end()}; }

TEST(BrokerSubset, IsDeterministicAndOfTheRequestedSize) {
  const auto all = brokers(10);
  const auto subset = brokerSubset(all, "orders-service@host-7", 3);
  ASSERT_EQ(subset.size(), 3u);
  EXPECT_EQ(asSet(subset).size(), 3u) << "no broker twice";
  EXPECT_EQ(brokerSubset(all, "orders-service@host-7", 3), subset);
  // The broker list's order does not matter.
  auto reversed = all;
  std::reverse(reversed.begin(), reversed.end());
  EXPECT_EQ(brokerSubset(reversed, "orders-service@host-7", 3), subset);
  // Another key picks (here) other brokers; a bigger size extends the same preference order.
  EXPECT_NE(brokerSubset(all, "billing@host-1", 3), subset);
  const auto five = brokerSubset(all, "orders-service@host-7", 5);
  EXPECT_TRUE(std::equal(subset.begin(), subset.end(), five.begin()));
}

TEST(BrokerSubset, SizeZeroOrAboveTheCountMeansEveryBroker) {
  const auto all = brokers(4);
  EXPECT_EQ(asSet(brokerSubset(all, "k", 0)), asSet(all));
  EXPECT_EQ(asSet(brokerSubset(all, "k", 9)), asSet(all));
  EXPECT_TRUE(brokerSubset({}, "k", 3).empty());
}

TEST(BrokerSubset, ManyClientsSpreadEvenlyOverTheBrokers) {
  const auto all = brokers(12);
  std::map<HostPort, int> clients_per_broker;
  const int kClients = 3000;
  for (int c = 0; c < kClients; ++c) {
    for (const auto& broker : brokerSubset(all, "client-" + std::to_string(c) + "@host", 3)) {
      ++clients_per_broker[broker];
    }
  }
  const int expected = kClients * 3 / 12;  // 750
  ASSERT_EQ(clients_per_broker.size(), all.size());
  for (const auto& [broker, count] : clients_per_broker) {
    EXPECT_GT(count, expected * 85 / 100) << broker.toString();
    EXPECT_LT(count, expected * 115 / 100) << broker.toString();
  }
}

TEST(BrokerSubset, ABrokerLeavingMovesOnlyItsClientsAndOnlyByOneBroker) {
  const auto all = brokers(8);
  auto without = all;
  const HostPort gone = all[5];
  without.erase(without.begin() + 5);
  int affected = 0;
  for (int c = 0; c < 1000; ++c) {
    const std::string key = "client-" + std::to_string(c);
    const auto before = asSet(brokerSubset(all, key, 3));
    const auto after = asSet(brokerSubset(without, key, 3));
    if (!before.count(gone)) {
      EXPECT_EQ(before, after) << key << " did not use the broker that left";
      continue;
    }
    ++affected;
    std::vector<HostPort> kept;
    std::set_intersection(before.begin(), before.end(), after.begin(), after.end(),
                          std::back_inserter(kept));
    EXPECT_EQ(kept.size(), 2u) << key << " keeps the two brokers that stayed";
  }
  EXPECT_GT(affected, 0);
  EXPECT_LT(affected, 1000);
}

TEST(BrokerSubset, ABrokerJoiningChangesASubsetByAtMostOneBroker) {
  const auto all = brokers(8);
  const auto grown = brokers(9);
  int changed = 0;
  for (int c = 0; c < 1000; ++c) {
    const std::string key = "client-" + std::to_string(c);
    const auto before = asSet(brokerSubset(all, key, 3));
    const auto after = asSet(brokerSubset(grown, key, 3));
    std::vector<HostPort> kept;
    std::set_intersection(before.begin(), before.end(), after.begin(), after.end(),
                          std::back_inserter(kept));
    EXPECT_GE(kept.size(), 2u) << key;
    if (before != after) {
      ++changed;
      EXPECT_TRUE(after.count(grown.back())) << key << " changed only to take the new broker";
    }
  }
  // The new broker takes its share: about 3/9 of the clients.
  EXPECT_GT(changed, 1000 / 3 * 70 / 100);
  EXPECT_LT(changed, 1000 / 3 * 130 / 100);
}

}  // namespace
}  // namespace mq
