// OptionTable: one row per option registers it, reads and checks it into the config, and
// writes its docs row; sizes parse with binary units.
#include "common/option_table.h"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace mq {
namespace {

enum class Mode { kFast, kSafe };

struct SampleConfig {
  std::string host = "127.0.0.1";
  std::string db;
  std::string id;
  int port = 9200;
  int64_t max_bytes = 1 << 20;
  int64_t poll_ms = 200;
  bool tls = false;
  std::string level = "info";
  Mode mode = Mode::kSafe;
  std::vector<std::string> proxies = {"127.0.0.1", "::1"};
  struct {
    int64_t lease_ms = 3000;
  } nested;
};

const OptionTable<SampleConfig>& sampleTable() {
  using C = SampleConfig;
  static const auto* table =
      &(new OptionTable<C>("sample"))
           ->text("host", &C::host, "address to listen on")
           .text("db", &C::db, "database URL")
           .required()
           .text("id", &C::id, "registry id")
           .derivedDefault("host:port")
           .number("port", &C::port, 1, 65535, "Thrift port")
           .bytes("max-bytes", &C::max_bytes, 1, 16 << 20, "largest message")
           .duration("poll", &C::poll_ms, 1, 60000, "how often to poll")
           .onOff("tls", &C::tls, "speak TLS")
           .choice("level", &C::level, {"debug", "info"}, "least severity logged")
           .choice("mode", &C::mode,
                   std::vector<std::pair<std::string, Mode>>{{"fast", Mode::kFast},
                                                             {"safe", Mode::kSafe}},
                   "trade-off")
           .list("proxies", &C::proxies, "trusted proxies")
           .duration(
               "lease", [](auto& c) -> auto& { return c.nested.lease_ms; }, 500, 60000,
               "lease of the task");
  return *table;
}

// Parses `args` against the sample table as a daemon's command line would.
po::variables_map parse(std::vector<std::string> args) {
  args.insert(args.begin(), "sample");
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  po::options_description options;
  sampleTable().addTo(options);
  po::variables_map values;
  po::store(po::parse_command_line(static_cast<int>(argv.size()), argv.data(), options), values);
  po::notify(values);
  return values;
}

std::string refusal(std::vector<std::string> args) {
  SampleConfig config;
  try {
    sampleTable().read(parse(std::move(args)), config);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "accepted";
}

TEST(OptionTable, DefaultsAreTheStructsAndGivenValuesAreRead) {
  SampleConfig config;
  sampleTable().read(parse({"--db", "mysql://x"}), config);
  const SampleConfig defaults;
  EXPECT_EQ(config.host, defaults.host);
  EXPECT_EQ(config.port, defaults.port);
  EXPECT_EQ(config.max_bytes, defaults.max_bytes);
  EXPECT_EQ(config.poll_ms, defaults.poll_ms);
  EXPECT_EQ(config.proxies, defaults.proxies);
  EXPECT_EQ(config.id, "");  // derived later from host and port

  sampleTable().read(parse({"--db", "mysql://x", "--port", "9300", "--max-bytes", "2MiB", "--poll",
                            "50ms", "--tls", "on", "--level", "debug", "--mode", "fast",
                            "--proxies", " 10.0.0.1, ,10.0.0.2", "--lease", "2s"}),
                     config);
  EXPECT_EQ(config.db, "mysql://x");
  EXPECT_EQ(config.port, 9300);
  EXPECT_EQ(config.max_bytes, 2 << 20);
  EXPECT_EQ(config.poll_ms, 50);
  EXPECT_TRUE(config.tls);
  EXPECT_EQ(config.level, "debug");
  EXPECT_EQ(config.mode, Mode::kFast);
  EXPECT_EQ(config.proxies, (std::vector<std::string>{"10.0.0.1", "10.0.0.2"}));
  EXPECT_EQ(config.nested.lease_ms, 2000);
}

TEST(OptionTable, RefusesEachBadValueNamingTheOptionTheRangeAndTheText) {
  EXPECT_EQ(refusal({}), "--db is required");
  EXPECT_EQ(refusal({"--db", "x", "--port", "0"}),
            "--port must be a whole number from 1 to 65535, got `0`");
  EXPECT_EQ(refusal({"--db", "x", "--port", "12ab"}),
            "--port must be a whole number from 1 to 65535, got `12ab`");
  EXPECT_EQ(refusal({"--db", "x", "--max-bytes", "17MiB"}),
            "--max-bytes must be a size from 1 to 16MiB (bytes, or with KiB, MiB or GiB), got "
            "`17MiB`");
  EXPECT_EQ(refusal({"--db", "x", "--poll", "soon"}),
            "--poll must be a duration from 1ms to 1m, got `soon`");
  EXPECT_EQ(refusal({"--db", "x", "--tls", "maybe"}), "--tls must be on or off, got `maybe`");
  EXPECT_EQ(refusal({"--db", "x", "--level", "loud"}), "--level must be debug or info, got `loud`");
  EXPECT_EQ(refusal({"--db", "x", "--mode", "slow"}), "--mode must be fast or safe, got `slow`");
  EXPECT_EQ(refusal({"--db", "x", "--lease", "100ms"}),
            "--lease must be a duration from 500ms to 1m, got `100ms`");
}

TEST(OptionTable, DocsShowDefaultsRangesAndRequiredRows) {
  const std::string markdown = optionDocsMarkdown(sampleTable().docs());
  EXPECT_NE(markdown.find("| option | default | range | meaning |"), std::string::npos);
  EXPECT_NE(markdown.find("| `db` | (required) |  | database URL |"), std::string::npos);
  EXPECT_NE(markdown.find("| `id` | host:port |  | registry id |"), std::string::npos);
  EXPECT_NE(markdown.find("| `port` | 9200 | 1..65535 | Thrift port |"), std::string::npos);
  EXPECT_NE(markdown.find("| `max-bytes` | 1MiB | 1..16MiB | largest message |"),
            std::string::npos);
  EXPECT_NE(markdown.find("| `poll` | 200ms | 1ms..1m | how often to poll |"), std::string::npos);
  EXPECT_NE(markdown.find("| `tls` | off | on, off | speak TLS |"), std::string::npos);
  EXPECT_NE(markdown.find("| `mode` | safe | fast, safe | trade-off |"), std::string::npos);
  EXPECT_NE(markdown.find("| `proxies` | 127.0.0.1,::1 |  | trusted proxies |"), std::string::npos);
}

TEST(OptionTable, DocsEscapeWhatMarkdownWouldReadAsHtmlOrACellBorder) {
  OptionDoc row;
  row.name = "table";
  row.help = "names <table>_history | and more";
  EXPECT_NE(optionDocsMarkdown({row}).find("names &lt;table&gt;_history \\| and more"),
            std::string::npos);
  row.field = "relay.table";
  EXPECT_NE(optionDocsMarkdown({row}).find("| option | field | default | range | meaning |"),
            std::string::npos);
  EXPECT_NE(optionDocsMarkdown({row}).find("| `table` | `relay.table` |"), std::string::npos);
}

TEST(OptionTable, HelpShowsTheRangeAndDefault) {
  po::options_description options;
  sampleTable().addTo(options);
  std::ostringstream help;
  help << options;
  EXPECT_NE(help.str().find("Thrift port [1..65535]"), std::string::npos) << help.str();
  EXPECT_NE(help.str().find("(=200ms)"), std::string::npos) << help.str();
  EXPECT_NE(help.str().find("database URL (required)"), std::string::npos) << help.str();
}

TEST(Bytes, ParsesBinaryUnitsAndRefusesOthers) {
  int64_t bytes = 0;
  EXPECT_TRUE(parseBytes("1048576", &bytes));
  EXPECT_EQ(bytes, 1 << 20);
  EXPECT_TRUE(parseBytes("64KiB", &bytes));
  EXPECT_EQ(bytes, 64 << 10);
  EXPECT_TRUE(parseBytes("8MiB", &bytes));
  EXPECT_EQ(bytes, 8 << 20);
  EXPECT_TRUE(parseBytes("2GiB", &bytes));
  EXPECT_EQ(bytes, int64_t{2} << 30);
  for (const char* bad : {"", "MiB", "1.5MiB", "1MB", "-1", "1 MiB", "99999999999999GiB"}) {
    EXPECT_FALSE(parseBytes(bad, &bytes)) << bad;
  }
  EXPECT_EQ(formatSizeOption(8 << 20), "8MiB");
  EXPECT_EQ(formatSizeOption(1000), "1000");
}

}  // namespace
}  // namespace mq
