// Datanode HA through MariaDB replication: the datanode's server is a primary with a
// semi-synchronous replica (GTID, AFTER_SYNC). Under steady produce the primary is killed
// with -9 and `mqctl datanode failover` promotes the replica; producing resumes and every
// acknowledged message is in the promoted replica. Refused failovers change nothing.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "mq/client.h"
#include "tests/harness/produce_ledger.h"
#include "tests/harness/test_cluster.h"

namespace mq::test {
namespace {

rpc::DatanodeInfo datanode(TestCluster& cluster) {
  std::vector<rpc::DatanodeInfo> datanodes;
  (*cluster.metaClient())->listDatanodes(datanodes, rpc::RequestHeader());
  return datanodes.at(0);
}

TEST(DatanodeFailover, SemiSyncReplicaPromotedUnderLoadLosesNoAcknowledgedMessage) {
  ClusterOptions options;
  options.brokers = 2;
  options.datanodes = 1;
  options.mariadb_per_datanode = true;
  options.datanode_replicas = true;
  TestCluster cluster(options);
  cluster.createTopic("orders", 4);
  const int primary_port = cluster.datanodeMariadb(0).port();
  const std::string replica = fmt::format("127.0.0.1:{}", cluster.datanodeReplica(0).port());

  // Refusals name the problem and change nothing.
  std::string out, err;
  EXPECT_NE(cluster.mqctl({"datanode", "failover", "nope", "--to", replica}, &out, &err), 0);
  EXPECT_NE(err.find("no datanode named `nope`"), std::string::npos) << err;
  EXPECT_NE(cluster.mqctl(
                {"datanode", "failover", "dn0", "--to", fmt::format("127.0.0.1:{}", primary_port)},
                &out, &err),
            0);
  EXPECT_NE(err.find("already uses"), std::string::npos) << err;
  EXPECT_NE(cluster.mqctl({"datanode", "failover", "dn0", "--to", "127.0.0.1:1"}, &out, &err), 0);
  EXPECT_NE(err.find("cannot use 127.0.0.1:1"), std::string::npos) << err;
  EXPECT_NE(cluster.mqctl({"datanode", "failover", "dn0"}, &out, &err), 0);
  EXPECT_NE(err.find("--to"), std::string::npos) << err;
  EXPECT_EQ(datanode(cluster).port, primary_port) << "a refused failover changes nothing";

  ProduceLedger ledger;
  std::atomic<bool> stop{false};
  std::thread load([&] { produceUntil(cluster, "orders", 2, stop, ledger); });
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  ASSERT_GT(ledger.ackedCount(), 200u) << "produce runs against the replicated primary";

  cluster.datanodeMariadb(0).crash();
  const size_t acked_at_crash = ledger.ackedCount();
  const auto crashed_at = std::chrono::steady_clock::now();
  int rc = cluster.mqctl({"datanode", "failover", "dn0", "--to", replica, "--timeout", "30s"}, &out,
                         &err);
  ASSERT_EQ(rc, 0) << out << err;
  std::cout << out;
  EXPECT_NE(out.find("old primary did not answer"), std::string::npos) << out;
  EXPECT_EQ(datanode(cluster).port, cluster.datanodeReplica(0).port());

  // Producing resumes on the promoted replica.
  bool resumed = false;
  for (int i = 0; i < 300 && !resumed; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    resumed = ledger.ackedCount() > acked_at_crash + 1000;
  }
  EXPECT_TRUE(resumed) << "producers go on after the failover";
  std::cout << "producing resumed "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - crashed_at)
                   .count()
            << " ms after the crash\n";
  stop = true;
  load.join();
  expectNothingAcknowledgedLost(ledger, consumeAll(cluster, "orders", 4, 0));
}

}  // namespace
}  // namespace mq::test
