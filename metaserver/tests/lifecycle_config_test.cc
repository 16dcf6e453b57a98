// readLifecycleConfig (metaserver/lifecycle/lifecycle_config.h): the retention pacing options are
// read, validated with an error naming the option, and handed to the executor.
#include "metaserver/lifecycle/lifecycle_config.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mq {
namespace {

// Parses `args` as the metaserver would; returns the problem ("" when accepted).
std::string read(const std::vector<std::string>& args, LifecycleConfig& config) {
  po::options_description options;
  addLifecycleOptions(options, config);
  std::vector<const char*> argv{"mq-metaserver"};
  for (const auto& arg : args) argv.push_back(arg.c_str());
  po::variables_map values;
  po::store(po::parse_command_line(static_cast<int>(argv.size()), argv.data(), options), values);
  po::notify(values);
  std::string problem;
  return readLifecycleConfig(values, config, &problem) ? "" : problem;
}

TEST(LifecycleConfig, PacingDefaultsAreTheExecutors) {
  LifecycleConfig config;
  ASSERT_EQ(read({}, config), "");
  const RetentionPacing pacing = config.retentionPacing();
  const RetentionPacing defaults;
  EXPECT_EQ(pacing.ddl_gap_ms, defaults.ddl_gap_ms);
  EXPECT_EQ(pacing.ddl_rest_factor, defaults.ddl_rest_factor);
  EXPECT_EQ(pacing.drop_emptied_min, defaults.drop_emptied_min);
  EXPECT_EQ(pacing.segments_ahead, defaults.segments_ahead);
  EXPECT_EQ(pacing.ddl_lock_wait_s, defaults.ddl_lock_wait_s);
  EXPECT_EQ(pacing.default_segment, config.segment_messages);
}

TEST(LifecycleConfig, PacingOptionsAreRead) {
  LifecycleConfig config;
  ASSERT_EQ(read({"--retention-ddl-gap", "2s", "--retention-ddl-rest-factor", "30",
                  "--retention-drop-emptied", "8", "--retention-segments-ahead", "6",
                  "--retention-delete-pause", "5ms", "--retention-ddl-lock-wait", "5s"},
                 config),
            "");
  const RetentionPacing pacing = config.retentionPacing();
  EXPECT_EQ(pacing.ddl_gap_ms, 2000);
  EXPECT_EQ(pacing.ddl_rest_factor, 30);
  EXPECT_EQ(pacing.drop_emptied_min, 8);
  EXPECT_EQ(pacing.segments_ahead, 6);
  EXPECT_EQ(pacing.delete_pause_ms, 5);
  EXPECT_EQ(pacing.ddl_lock_wait_s, 5);
}

TEST(LifecycleConfig, BadPacingIsRefusedNamingTheOption) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--retention-ddl-gap", "soon"}, "--retention-ddl-gap"},
      {{"--retention-ddl-gap", "11m"}, "--retention-ddl-gap"},
      {{"--retention-ddl-rest-factor=-1"}, "--retention-ddl-rest-factor"},
      {{"--retention-ddl-rest-factor", "10001"}, "--retention-ddl-rest-factor"},
      {{"--retention-drop-emptied", "0"}, "--retention-drop-emptied"},
      {{"--retention-segments-ahead", "65"}, "--retention-segments-ahead"},
      {{"--retention-ddl-lock-wait", "1500ms"}, "--retention-ddl-lock-wait"},
      {{"--retention-ddl-lock-wait", "0s"}, "--retention-ddl-lock-wait"},
  };
  for (const auto& [args, option] : cases) {
    LifecycleConfig config;
    const std::string problem = read(args, config);
    EXPECT_NE(problem.find(option), std::string::npos) << args[0] << ": " << problem;
  }
}

}  // namespace
}  // namespace mq
