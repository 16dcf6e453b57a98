#include "client/host_port.h"

#include <gtest/gtest.h>

#include "mq/client.h"

using mq::client::Error;
using mq::client::parseHostPort;
using mq::client::parseHostPorts;

namespace mq {
namespace {

TEST(HostPort, ParsesHostAndPort) {
  std::string problem;
  auto a = parseHostPort("broker-1.example:9200", &problem);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "broker-1.example");
  EXPECT_EQ(a->port, 9200);
  auto v6 = parseHostPort("[::1]:9100", &problem);
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->toString(), "[::1]:9100");
}

TEST(HostPort, RejectsMalformedAddressesNamingThem) {
  std::string problem;
  for (const char* bad : {"", "host", "host:", ":9200", "host:0", "host:65536", "host:12a",
                          "::1:9200", "[::1]9200"}) {
    EXPECT_FALSE(parseHostPort(bad, &problem)) << bad;
    EXPECT_NE(problem.find(std::string("`") + bad + "`"), std::string::npos) << problem;
  }
}

TEST(HostPort, ListParsingThrowsInvalidConfig) {
  try {
    parseHostPorts({"a:1", "b"}, "bootstrap_brokers");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), mq::client::ErrorCode::INVALID_CONFIG);
    EXPECT_NE(std::string(e.what()).find("bootstrap_brokers"), std::string::npos);
  }
}

}  // namespace
}  // namespace mq
