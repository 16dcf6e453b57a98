#include "common/options.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "common/option_values.h"

namespace mq {
namespace {

// A word that is no option's value (here after a switch) is refused with its reason, where
// it used to be dropped without a word.
TEST(ParseOptions, RefusesAStrayWord) {
  bool on = false;
  int number = 0;
  po::options_description options("Options");
  options.add_options()("switch", po::bool_switch(&on), "a switch")("number", po::value(&number),
                                                                    "a number");
  int exit_code = -1;
  auto parse = [&](std::vector<std::string> args) {
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    po::variables_map values;
    return parseOptions(static_cast<int>(argv.size()), argv.data(), "usage", options, values,
                        &exit_code);
  };
  testing::internal::CaptureStderr();
  EXPECT_FALSE(parse({"prog", "--switch", "on", "--number", "3"}));
  const std::string error = testing::internal::GetCapturedStderr();
  EXPECT_EQ(exit_code, 2);
  EXPECT_NE(error.find("unexpected argument `on`"), std::string::npos) << error;

  EXPECT_TRUE(parse({"prog", "--switch", "--number", "3"}));
  EXPECT_TRUE(on);
  EXPECT_EQ(number, 3);
}

TEST(Duration, ParsesUnits) {
  int64_t ms = 0;
  ASSERT_TRUE(parseDurationMs("250ms", &ms));
  EXPECT_EQ(ms, 250);
  ASSERT_TRUE(parseDurationMs("30s", &ms));
  EXPECT_EQ(ms, 30000);
  ASSERT_TRUE(parseDurationMs("5m", &ms));
  EXPECT_EQ(ms, 300000);
  ASSERT_TRUE(parseDurationMs("12h", &ms));
  EXPECT_EQ(ms, 12 * 3600000LL);
  ASSERT_TRUE(parseDurationMs("7d", &ms));
  EXPECT_EQ(ms, 7 * 86400000LL);
  ASSERT_TRUE(parseDurationMs("42", &ms));
  EXPECT_EQ(ms, 42);
}

TEST(Duration, RejectsGarbage) {
  int64_t ms = 0;
  for (const char* bad : {"", "s", "-5s", "5x", "1.5s", "5 s", "99999999999999999d"}) {
    EXPECT_FALSE(parseDurationMs(bad, &ms)) << bad;
  }
}

TEST(Duration, FormatsInTheLargestWholeUnitAndParsesBack) {
  for (int64_t ms : {250LL, 1500LL, 30000LL, 300000LL, 12 * 3600000LL, 7 * 86400000LL, 0LL}) {
    int64_t back = -1;
    ASSERT_TRUE(parseDurationMs(formatDurationMs(ms), &back)) << formatDurationMs(ms);
    EXPECT_EQ(back, ms);
  }
  EXPECT_EQ(formatDurationMs(90LL * 86400000), "90d");
  EXPECT_EQ(formatDurationMs(7200000), "2h");
  EXPECT_EQ(formatDurationMs(1500), "1500ms");
}

// Stores `--name text` as a parsed command line would.
po::variables_map durationValues(const std::string& name, const std::string& text) {
  po::variables_map values;
  values.insert({name, po::variable_value(text, false)});
  return values;
}

TEST(DurationOption, ReadsTheValueOrTheFallback) {
  EXPECT_EQ(durationOptionMs(durationValues("lease", "3s"), "lease", 7, 100, 60000), 3000);
  EXPECT_EQ(durationOptionMs(po::variables_map(), "lease", 7, 100, 60000), 7);
  EXPECT_EQ(durationOptionMs(durationValues("lease", "1d"), "lease", 7), 86400000);
}

TEST(DurationOption, RefusesOutOfRangeNamingOptionRangeAndText) {
  try {
    durationOptionMs(durationValues("lag-interval", "2h"), "lag-interval", 0, 100, 3600000);
    FAIL() << "2h accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "--lag-interval must be a duration from 100ms to 1h, got `2h`");
  }
  EXPECT_THROW(durationOptionMs(durationValues("lease", "0"), "lease", 7), std::invalid_argument);
  EXPECT_THROW(durationOptionMs(durationValues("lease", "soon"), "lease", 7),
               std::invalid_argument);
}

TEST(OptionRange, RefusesValuesOutsideNamingTheOption) {
  EXPECT_NO_THROW(checkOptionRange("port", 9200, 1, 65535));
  try {
    checkOptionRange("port", 0, 1, 65535);
    FAIL() << "0 accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "--port must be between 1 and 65535 (got 0)");
  }
}

TEST(ListOption, SplitsOnCommasTrimmingBlanksAndDroppingEmptyItems) {
  EXPECT_EQ(listOptionValue("a, b ,c"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(listOptionValue(" orders. ,, ,x"), (std::vector<std::string>{"orders.", "x"}));
  EXPECT_TRUE(listOptionValue("").empty());
  EXPECT_TRUE(listOptionValue(" , ").empty());
}

}  // namespace
}  // namespace mq
