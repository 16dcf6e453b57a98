// ConnectionGate (server/connection_gate.h): the counting behind a broker's max-connections
// and max-connections-per-ip, without sockets.
#include "server/connection_gate.h"

#include <gtest/gtest.h>

namespace mq {
namespace {

TEST(ConnectionGate, PerAddressLimitRefusesOnlyThatAddress) {
  ConnectionGate gate({/*max_connections=*/0, /*max_connections_per_ip=*/2}, {});
  std::string refusal;
  EXPECT_TRUE(gate.admit("10.0.0.1", &refusal));
  EXPECT_TRUE(gate.admit("10.0.0.1", &refusal));
  EXPECT_FALSE(gate.admit("10.0.0.1", &refusal));
  EXPECT_NE(refusal.find("max-connections-per-ip limit (2 open connections from 10.0.0.1)"),
            std::string::npos)
      << refusal;
  EXPECT_TRUE(gate.admit("10.0.0.2", &refusal)) << "another address is not affected";
  gate.release("10.0.0.1");
  EXPECT_TRUE(gate.admit("10.0.0.1", &refusal)) << "a closed connection frees its place";
}

TEST(ConnectionGate, TotalLimitCountsEveryAddress) {
  ConnectionGate gate({/*max_connections=*/3, /*max_connections_per_ip=*/0}, {});
  std::string refusal;
  EXPECT_TRUE(gate.admit("a", &refusal));
  EXPECT_TRUE(gate.admit("b", &refusal));
  EXPECT_TRUE(gate.admit("c", &refusal));
  EXPECT_FALSE(gate.admit("d", &refusal));
  EXPECT_NE(refusal.find("max-connections limit (3 open connections)"), std::string::npos)
      << refusal;
  gate.release("b");
  EXPECT_TRUE(gate.admit("d", &refusal));
}

TEST(ConnectionGate, NoLimitsAdmitEverything) {
  ConnectionGate gate({}, {});
  std::string refusal;
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(gate.admit("same", &refusal));
}

TEST(ConnectionGate, RefusedConnectionsAreNotCounted) {
  ConnectionGate gate({/*max_connections=*/0, /*max_connections_per_ip=*/1}, {});
  std::string refusal;
  EXPECT_TRUE(gate.admit("x", &refusal));
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(gate.admit("x", &refusal));
  gate.release("x");
  EXPECT_TRUE(gate.admit("x", &refusal)) << "five refusals left nothing behind";
}

}  // namespace
}  // namespace mq
