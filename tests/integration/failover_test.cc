// Failures under load, with the real client library: a broker killed with SIGKILL, the
// database crashed and restarted. Every acknowledged message must be consumed afterwards;
// every message that was not acknowledged must have failed visibly (no silent drop).
// Duplicates are allowed (at-least-once without the idempotent producer) and counted.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "mq/client.h"
#include "tests/harness/produce_ledger.h"
#include "tests/harness/test_cluster.h"

namespace mq::test {
namespace {

TEST(Failover, BrokerKilledWhileProducingLosesNoAcknowledgedMessage) {
  ClusterOptions options;
  options.brokers = 2;
  TestCluster cluster(options);
  cluster.createTopic("payments", 4);
  ProduceLedger ledger;
  std::atomic<bool> stop{false};
  std::thread load([&] { produceUntil(cluster, "payments", 4, stop, ledger); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  cluster.broker(0).signal(SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop = true;
  load.join();
  ASSERT_GT(ledger.acked.size(), 1000u) << "the load kept going through the survivor";
  expectNothingAcknowledgedLost(ledger, consumeAll(cluster, "payments", 4, /*broker=*/1));
}

TEST(Failover, DatabaseCrashAndRestartUnderLoadLosesNoAcknowledgedMessage) {
  ClusterOptions options;
  options.private_mariadb = true;
  TestCluster cluster(options);
  cluster.createTopic("ledger", 2);
  ProduceLedger ledger;
  std::atomic<bool> stop{false};
  std::thread load([&] { produceUntil(cluster, "ledger", 2, stop, ledger); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  size_t before_crash = ledger.acked.size();
  cluster.crashMariadb();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  cluster.startMariadb();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  stop = true;
  load.join();
  {
    std::lock_guard<std::mutex> lock(ledger.mutex);
    EXPECT_GT(ledger.acked.size(), before_crash) << "producers recovered after the restart";
  }
  expectNothingAcknowledgedLost(ledger, consumeAll(cluster, "ledger", 2, 0));
}

}  // namespace
}  // namespace mq::test
