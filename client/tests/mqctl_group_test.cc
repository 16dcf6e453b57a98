// mqctl group: ISO 8601 parsing for --to-datetime and the commands' usage errors (the
// commands against real brokers are in tests/integration/consumer_group_test.cc).
#include <gtest/gtest.h>

#include <sstream>

#include "client/mqctl/main.h"

namespace mq::mqctl {
namespace {

int64_t parsed(const std::string& text) {
  int64_t ms = -1;
  EXPECT_TRUE(parseIsoTime(text, &ms)) << text;
  return ms;
}

TEST(ParseIsoTime, AcceptsDatesTimesFractionsAndZones) {
  EXPECT_EQ(parsed("1970-01-01"), 0);
  EXPECT_EQ(parsed("2024-05-01T12:00:00Z"), 1714564800000);
  EXPECT_EQ(parsed("2024-05-01T12:00:00"), 1714564800000) << "no zone: UTC";
  EXPECT_EQ(parsed("2024-05-01T12:00Z"), 1714564800000);
  EXPECT_EQ(parsed("2024-05-01T12:00:00.250Z"), 1714564800250);
  EXPECT_EQ(parsed("2024-05-01T14:00:00+02:00"), 1714564800000);
  EXPECT_EQ(parsed("2024-05-01T07:30:00-0430"), 1714564800000);
}

TEST(ParseIsoTime, RefusesAnythingElse) {
  int64_t ms = 0;
  for (const char* bad : {"", "yesterday", "2024-5-1", "2024-13-01", "2024-05-01T25:00",
                          "2024-05-01T12:00:00Q", "2024-05-01T12:00:00Z trailing", "1714564800"}) {
    EXPECT_FALSE(parseIsoTime(bad, &ms)) << bad;
  }
}

int run(const std::vector<std::string>& args, std::string* err) {
  std::istringstream in;
  std::ostringstream out, error;
  Context context;
  context.in = &in;
  context.out = &out;
  context.err = &error;
  int status = runMqctl(args, context);
  *err = error.str();
  return status;
}

TEST(MqctlGroup, ResetOffsetsNeedsATopicAndExactlyOneTarget) {
  std::string err;
  EXPECT_EQ(run({"group", "reset-offsets", "g", "--to-earliest"}, &err), 2);
  EXPECT_NE(err.find("--topic is required"), std::string::npos) << err;
  EXPECT_EQ(run({"group", "reset-offsets", "g", "--topic", "t"}, &err), 2);
  EXPECT_NE(err.find("exactly one of"), std::string::npos) << err;
  EXPECT_EQ(
      run({"group", "reset-offsets", "g", "--topic", "t", "--to-earliest", "--to-latest"}, &err),
      2);
  EXPECT_EQ(run({"group", "reset-offsets", "g", "--topic", "t", "--to-datetime", "soon"}, &err), 2);
  EXPECT_NE(err.find("ISO 8601"), std::string::npos) << err;
}

TEST(MqctlGroup, ConsumeWithAGroupRefusesPartitionAndOffsetStarts) {
  std::string err;
  EXPECT_EQ(run({"consume", "t", "--group", "g", "--from", "17"}, &err), 2);
  EXPECT_NE(err.find("earliest or latest"), std::string::npos) << err;
  EXPECT_EQ(run({"consume", "t", "--group", "g", "--partition", "1"}, &err), 2);
}

}  // namespace
}  // namespace mq::mqctl
