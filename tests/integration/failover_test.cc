// Failures under load, with the real client library: a broker killed with SIGKILL or stopped
// with SIGTERM, the database crashed and restarted. Every acknowledged message must be
// consumed afterwards; every message that was not acknowledged must have failed visibly (no
// silent drop). Duplicates are allowed (at-least-once without the idempotent producer) and
// counted.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "mq/client.h"
#include "tests/harness/crashed_mariadb.h"
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

// SIGTERM is the planned way out (a deploy, a scale-down): the broker leaves the registry,
// refuses new calls with the retriable SHUTTING_DOWN, finishes what is in flight and exits 0;
// producers move to the other broker and the application sees no error at all.
TEST(Failover, BrokerStoppedWithSigtermLeavesTheRegistryAndNoSendFails) {
  ClusterOptions options;
  options.brokers = 2;
  TestCluster cluster(options);
  cluster.createTopic("deploys", 4);
  auto registered = [&](int port) {
    std::vector<rpc::BrokerInfo> brokers;
    (*cluster.metaClient())->listBrokers(brokers, rpc::RequestHeader());
    return std::any_of(brokers.begin(), brokers.end(),
                       [&](const rpc::BrokerInfo& b) { return b.port == port; });
  };
  ASSERT_TRUE(registered(cluster.brokerPort(0)));

  ProduceLedger ledger;
  std::atomic<bool> stop{false};
  std::thread load([&] { produceUntil(cluster, "deploys", 4, stop, ledger); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  cluster.broker(0).signal(SIGTERM);
  const int status = cluster.broker(0).wait(15000);
  ASSERT_NE(status, -1) << "the broker exits once its in-flight calls are done";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  // Gone from the registry at once: its heartbeat would only expire after 10 s.
  EXPECT_FALSE(registered(cluster.brokerPort(0)));
  EXPECT_TRUE(registered(cluster.brokerPort(1)));
  const size_t acked_at_exit = ledger.ackedCount();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop = true;
  load.join();

  EXPECT_GT(ledger.acked.size(), acked_at_exit + 1000) << "producing went on through broker 1";
  EXPECT_TRUE(ledger.failed.empty())
      << ledger.failed.size() << " sends failed, e.g. " << *ledger.failed.begin();
  expectNothingAcknowledgedLost(ledger, consumeAll(cluster, "deploys", 4, /*broker=*/1));
}

TEST(Failover, DatabaseCrashAndRestartUnderLoadLosesNoAcknowledgedMessage) {
  ClusterOptions options;
  options.private_mariadb = true;
  TestCluster cluster(options);
  cluster.createTopic("ledger", 2);
  ProduceLedger ledger;
  std::atomic<bool> stop{false};
  std::vector<std::thread> load;
  StopOnExit joiner{stop, load};
  load.emplace_back([&] { produceUntil(cluster, "ledger", 2, stop, ledger); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  size_t before_crash = ledger.acked.size();
  cluster.crashMariadb();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  MQ_RESTART_CRASHED_MARIADB(cluster.startMariadb());
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  stop = true;
  load.front().join();
  {
    std::lock_guard<std::mutex> lock(ledger.mutex);
    EXPECT_GT(ledger.acked.size(), before_crash) << "producers recovered after the restart";
  }
  expectNothingAcknowledgedLost(ledger, consumeAll(cluster, "ledger", 2, 0));
}

}  // namespace
}  // namespace mq::test
