// BrokerConfig: the options docs/broker.md and docs/delayed-delivery.md document are
// registered, parsed and checked.
#include "broker/broker_config.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace mq {
namespace {

// Parses `args` as the broker's command line does (broker/main.cc); false when refused.
bool parseBrokerArgs(std::vector<std::string> args, po::variables_map& values) {
  args.insert(args.begin(), "mq-broker");
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  po::options_description options("Broker");
  BrokerConfig::addOptions(options);
  int exit_code = 0;
  return parseOptions(static_cast<int>(argv.size()), argv.data(), "usage", options, values,
                      &exit_code);
}

TEST(BrokerConfig, AcceptsTheDocumentedDelayOptions) {
  po::variables_map values;
  ASSERT_TRUE(parseBrokerArgs(
      {"--meta-db", "mysql://u:p@127.0.0.1:3306/m", "--delay-poll", "50ms", "--max-delay", "2d"},
      values));
  const BrokerConfig config = BrokerConfig::fromValues(values);
  EXPECT_EQ(config.delay_poll_ms, 50);
  EXPECT_EQ(config.max_delay_ms, 2 * 24 * 3600 * 1000LL);
}

TEST(BrokerConfig, DelayOptionDefaultsMatchTheStruct) {
  po::variables_map values;
  ASSERT_TRUE(parseBrokerArgs({"--meta-db", "mysql://u:p@127.0.0.1:3306/m"}, values));
  const BrokerConfig config = BrokerConfig::fromValues(values);
  const BrokerConfig defaults;
  EXPECT_EQ(config.delay_poll_ms, defaults.delay_poll_ms);
  EXPECT_EQ(config.max_delay_ms, defaults.max_delay_ms);
}

TEST(BrokerConfig, RefusesADelayPollThatIsNotAPositiveDuration) {
  for (const char* bad : {"0", "soon", "1.5s"}) {
    po::variables_map values;
    ASSERT_TRUE(parseBrokerArgs({"--meta-db", "mysql://u:p@127.0.0.1:3306/m", "--delay-poll", bad},
                                values));
    EXPECT_THROW(BrokerConfig::fromValues(values), std::invalid_argument) << bad;
  }
}

}  // namespace
}  // namespace mq
