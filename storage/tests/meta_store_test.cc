// MetaStore against a real MariaDB: the broker registry (live within the timeout, silent
// ones reaped), idempotent producer ids (a name keeps its id and bumps its epoch), the
// topology version every topology write bumps, and unique datanodes.
#include "storage/meta_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/errors.h"
#include "storage/embedded_sql.h"
#include "storage/migrations.h"
#include "tests/harness/test_cluster.h"

namespace mq {
namespace {

BrokerRecord broker(const std::string& id, int64_t heartbeat_ms) {
  BrokerRecord b;
  b.id = id;
  b.host = "127.0.0.1";
  b.port = 9200;
  b.started_ms = heartbeat_ms;
  b.last_heartbeat_ms = heartbeat_ms;
  return b;
}

class MetaStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { applyMigrations(db_.pool(), metaMigrations()); }

  test::TestDatabase db_;
  MetaStore meta_{db_.pool()};
};

TEST_F(MetaStoreTest, LiveBrokersAreThoseHeardWithinTheTimeoutAndSilentOnesAreReaped) {
  const int64_t now = nowMs();
  meta_.upsertBroker(broker("b1", now));
  meta_.upsertBroker(broker("b2", now - 60000));
  std::vector<std::string> live;
  for (const auto& b : meta_.liveBrokers(10000)) live.push_back(b.id);
  EXPECT_EQ(live, std::vector<std::string>{"b1"});

  const auto reaped = meta_.reapBrokers(10000);
  ASSERT_EQ(reaped.size(), 1u);
  EXPECT_EQ(reaped[0].id, "b2");
  EXPECT_EQ(meta_.liveBrokers(3600000).size(), 1u);  // b2 is gone, not only silent
  meta_.upsertBroker(broker("b1", now + 1));         // a heartbeat updates the row
  EXPECT_EQ(meta_.liveBrokers(10000).at(0).last_heartbeat_ms, now + 1);
}

TEST_F(MetaStoreTest, ANamedProducerKeepsItsIdAndEachInitBumpsItsEpoch) {
  const auto first = meta_.initProducer(std::string("relay-1"));
  const auto again = meta_.initProducer(std::string("relay-1"));
  EXPECT_EQ(again.first, first.first);
  EXPECT_EQ(again.second, first.second + 1);
  EXPECT_EQ(meta_.producerEpoch(first.first), again.second);

  const auto anonymous = meta_.initProducer(std::nullopt);
  EXPECT_NE(anonymous.first, first.first);
  EXPECT_EQ(anonymous.second, 0);
  EXPECT_FALSE(meta_.producerEpoch(anonymous.first + 1000));
}

TEST_F(MetaStoreTest, DatanodesAreUniqueAndEveryTopologyWriteBumpsTheVersion) {
  DbTarget target;
  target.host = "127.0.0.1";
  target.port = 3306;
  target.database = "dn1";
  target.user = "mq";
  target.password = "mq";
  const int64_t before = meta_.topologyVersion();
  const DatanodeRecord added = meta_.insertDatanode("dn1", target);
  EXPECT_GT(meta_.topologyVersion(), before);
  EXPECT_EQ(meta_.listDatanodes().size(), 1u);
  try {
    meta_.insertDatanode("dn1", target);
    FAIL() << "a second dn1 was accepted";
  } catch (const rpc::MqError& e) {
    EXPECT_EQ(e.code, rpc::ErrorCode::DATANODE_ALREADY_EXISTS);
  }
  const int64_t after_add = meta_.topologyVersion();
  EXPECT_TRUE(meta_.setDatanodeState(added.id, "decommissioning"));
  EXPECT_GT(meta_.topologyVersion(), after_add);
  EXPECT_FALSE(meta_.setDatanodeState(added.id + 100, "decommissioning"));
}

}  // namespace
}  // namespace mq
