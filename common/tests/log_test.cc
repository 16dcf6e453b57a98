#include "common/log.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace mq {
namespace {

TEST(LogLevels, NamesAreTheOnesParsedLeastSevereFirst) {
  const auto names = logLevelNames();
  ASSERT_EQ(names, (std::vector<std::string>{"debug", "info", "warn", "error"}));
  LogLevel previous = LogLevel::kDebug;
  for (size_t i = 0; i < names.size(); ++i) {
    LogLevel level;
    ASSERT_TRUE(parseLogLevel(names[i], &level)) << names[i];
    if (i > 0) {
      EXPECT_GT(static_cast<int>(level), static_cast<int>(previous)) << names[i];
    }
    previous = level;
  }
  LogLevel level = LogLevel::kInfo;
  EXPECT_FALSE(parseLogLevel("INFO", &level));
  EXPECT_FALSE(parseLogLevel("", &level));
  EXPECT_EQ(level, LogLevel::kInfo);  // untouched when refused
}

TEST(LogLevels, StartLoggingRefusesAnUnknownLevelByNameAndKeepsTheSettings) {
  startLogging("log-test", "warn");
  try {
    startLogging("other", "loud");
    FAIL() << "an unknown level was accepted";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("`loud`"), std::string::npos) << what;
    EXPECT_NE(what.find("debug, info, warn, error"), std::string::npos) << what;
  }
  // Still the first start's level: an info line is dropped, a warn line written.
  testing::internal::CaptureStderr();
  logInfo("dropped line");
  logWarn("kept line");
  const std::string written = testing::internal::GetCapturedStderr();
  EXPECT_EQ(written.find("dropped line"), std::string::npos) << written;
  EXPECT_NE(written.find("kept line"), std::string::npos) << written;
  EXPECT_NE(written.find("log-test"), std::string::npos) << written;
  startLogging("mq", "info");
}

}  // namespace
}  // namespace mq
