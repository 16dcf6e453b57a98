// DatanodeReplicaStore against a real MariaDB: a replica is recorded once per address (adding
// it again sets its state), listed by datanode and address, forgotten on remove, and every
// change bumps the topology version, which is how brokers learn of it.
#include "storage/datanode_replica_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/meta_store.h"
#include "storage/migrations.h"
#include "tests/harness/test_cluster.h"

namespace mq {
namespace {

class DatanodeReplicaStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { applyMigrations(db_.pool(), metaMigrations()); }

  std::vector<std::string> addresses(int datanode_id = 0) {
    std::vector<std::string> found;
    for (const auto& r : store_.list(datanode_id)) {
      found.push_back(std::to_string(r.datanode_id) + "/" + r.host + ":" + std::to_string(r.port) +
                      "/" + r.state);
    }
    return found;
  }

  test::TestDatabase db_;
  DatanodeReplicaStore store_{db_.pool()};
  MetaStore meta_{db_.pool()};
};

TEST_F(DatanodeReplicaStoreTest, ReplicasAreListedByDatanodeAndAddressAndFilteredByDatanode) {
  store_.add(2, "10.0.0.5", 3306, kReplicaActive);
  store_.add(1, "10.0.0.9", 3306, kReplicaActive);
  store_.add(1, "10.0.0.4", 3307, kReplicaStale);
  store_.add(1, "10.0.0.4", 3306, kReplicaActive);  // same host, other port: its own replica

  EXPECT_EQ(addresses(),
            (std::vector<std::string>{"1/10.0.0.4:3306/replica", "1/10.0.0.4:3307/stale",
                                      "1/10.0.0.9:3306/replica", "2/10.0.0.5:3306/replica"}));
  EXPECT_EQ(addresses(2), (std::vector<std::string>{"2/10.0.0.5:3306/replica"}));
  EXPECT_TRUE(addresses(3).empty());
  EXPECT_GT(store_.list(2)[0].added_ms, 0);
}

TEST_F(DatanodeReplicaStoreTest, AddingAnAddressAgainSetsItsStateInsteadOfAddingASecondRow) {
  store_.add(1, "10.0.0.4", 3306, kReplicaActive);
  store_.add(1, "10.0.0.4", 3306, kReplicaStale);  // a former primary, after a failover
  EXPECT_EQ(addresses(1), (std::vector<std::string>{"1/10.0.0.4:3306/stale"}));
  store_.add(1, "10.0.0.4", 3306, kReplicaActive);  // rebuilt as a replica
  EXPECT_EQ(addresses(1), (std::vector<std::string>{"1/10.0.0.4:3306/replica"}));
}

TEST_F(DatanodeReplicaStoreTest, RemoveSaysWhetherTheAddressWasRecorded) {
  store_.add(1, "10.0.0.4", 3306, kReplicaActive);
  EXPECT_FALSE(store_.remove(2, "10.0.0.4", 3306));  // another datanode's address
  EXPECT_FALSE(store_.remove(1, "10.0.0.4", 3307));
  EXPECT_TRUE(store_.remove(1, "10.0.0.4", 3306));
  EXPECT_FALSE(store_.remove(1, "10.0.0.4", 3306));
  EXPECT_TRUE(addresses().empty());
}

TEST_F(DatanodeReplicaStoreTest, EveryChangeBumpsTheTopologyVersion) {
  const int64_t before = meta_.topologyVersion();
  store_.add(1, "10.0.0.4", 3306, kReplicaActive);
  const int64_t after_add = meta_.topologyVersion();
  EXPECT_GT(after_add, before);
  store_.add(1, "10.0.0.4", 3306, kReplicaStale);
  const int64_t after_state = meta_.topologyVersion();
  EXPECT_GT(after_state, after_add);
  EXPECT_TRUE(store_.remove(1, "10.0.0.4", 3306));
  EXPECT_GT(meta_.topologyVersion(), after_state);
}

}  // namespace
}  // namespace mq
