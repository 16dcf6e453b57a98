// mqctl end to end against an in-process fake broker (--brokers), plus its usage errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

#include "client/mqctl/main.h"
#include "client/tests/fake_broker.h"

namespace mq::mqctl {
namespace {

using mq::testing::FakeBrokerServer;

struct Outcome {
  int status;
  std::string out;
  std::string err;
};

Outcome mqctl(const std::vector<std::string>& args, const std::string& input = "") {
  std::istringstream in(input);
  std::ostringstream out;
  std::ostringstream err;
  Context context;
  context.in = &in;
  context.out = &out;
  context.err = &err;
  int status = runMqctl(args, context);
  return Outcome{status, out.str(), err.str()};
}

TEST(Mqctl, ProduceThenConsumeRoundTrips) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  Outcome produced = mqctl({"--brokers", server.address(), "produce", "t", "--header", "src=test"},
                           "one\ntwo\nthree\n");
  ASSERT_EQ(produced.status, 0) << produced.err;
  EXPECT_EQ(produced.out, "produced 3 messages\n");

  Outcome consumed = mqctl({"consume", "t", "--brokers", server.address(), "--timeout-ms", "300"});
  ASSERT_EQ(consumed.status, 0) << consumed.err;
  EXPECT_EQ(consumed.out, "0 0 - one\n0 1 - two\n0 2 - three\n");
}

TEST(Mqctl, KeyedProduceAndJsonConsume) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 4);
  Outcome produced = mqctl({"--brokers", server.address(), "--json", "produce", "t", "--keyed"},
                           "order-42\tpaid\n");
  ASSERT_EQ(produced.status, 0) << produced.err;
  EXPECT_EQ(produced.out, "{\"topic\":\"t\",\"partition\":3,\"offset\":0,\"line\":1}\n");

  Outcome consumed = mqctl(
      {"--brokers", server.address(), "--json", "consume", "t", "--partition", "3", "--max", "1"});
  ASSERT_EQ(consumed.status, 0) << consumed.err;
  EXPECT_EQ(consumed.out.rfind("{\"topic\":\"t\",\"partition\":3,\"offset\":0,\"key\":\"order-42\","
                               "\"value\":\"paid\",\"headers\":{},\"timestamp\":",
                               0),
            0u)
      << consumed.out;
}

TEST(Mqctl, BinaryValuesAreBase64InJson) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 1);
  ASSERT_EQ(mqctl({"--brokers", server.address(), "produce", "t"}, "\xff\xfe\n").status, 0);
  Outcome consumed = mqctl({"--brokers", server.address(), "--json", "consume", "t", "--max", "1"});
  EXPECT_NE(consumed.out.find("\"value_b64\":\"//4=\""), std::string::npos) << consumed.out;
}

TEST(Mqctl, OffsetsShowsStartAndEnd) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 2);
  ASSERT_EQ(
      mqctl({"--brokers", server.address(), "produce", "t", "--partition", "1"}, "a\nb\n").status,
      0);
  Outcome offsets = mqctl({"--brokers", server.address(), "--json", "offsets", "t"});
  ASSERT_EQ(offsets.status, 0) << offsets.err;
  EXPECT_EQ(offsets.out,
            "{\"topic\":\"t\",\"partition\":0,\"start\":0,\"end\":0}\n"
            "{\"topic\":\"t\",\"partition\":1,\"start\":0,\"end\":2}\n");
}

TEST(Mqctl, FailuresNameTheProblemAndExitOne) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 4);
  Outcome unknown = mqctl({"--brokers", server.address(), "produce", "x"}, "v\n");
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.err.find("unknown topic `x`"), std::string::npos) << unknown.err;

  Outcome range = mqctl({"--brokers", server.address(), "consume", "t", "--partition", "9"});
  EXPECT_EQ(range.status, 1);
  EXPECT_NE(range.err.find("partition 9 out of range 0..3"), std::string::npos) << range.err;

  Outcome produce_range =
      mqctl({"--brokers", server.address(), "produce", "t", "--partition", "9"}, "v\n");
  EXPECT_EQ(produce_range.status, 1);
  EXPECT_NE(produce_range.err.find("partition 9 out of range 0..3"), std::string::npos);

  Outcome large =
      mqctl({"--brokers", server.address(), "produce", "t"}, std::string(2 << 20, 'x') + "\n");
  EXPECT_EQ(large.status, 1);
  EXPECT_NE(large.err.find("message of 2 MiB exceeds max 1 MiB"), std::string::npos) << large.err;
}

TEST(Mqctl, UsageErrorsExitTwo) {
  EXPECT_EQ(mqctl({}).status, 2);
  EXPECT_EQ(mqctl({"bogus"}).status, 2);
  EXPECT_EQ(mqctl({"topic"}).status, 2);
  EXPECT_EQ(mqctl({"topic", "create", "t"}).status, 2);  // --partitions missing
  EXPECT_EQ(mqctl({"topic", "create", "t", "--partitions", "four"}).status, 2);
  EXPECT_EQ(mqctl({"produce", "t", "--key", "k", "--keyed"}).status, 2);
  EXPECT_EQ(mqctl({"produce"}).status, 2);
  EXPECT_EQ(mqctl({"consume", "t", "--bogus"}).status, 2);
  Outcome run = mqctl({"topic", "create", "t", "--partitions", "four"});
  EXPECT_NE(run.err.find("--partitions expects a whole number, got `four`"), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("mqctl topic create --help"), std::string::npos) << run.err;
}

TEST(Mqctl, HelpIsAvailableEverywhere) {
  Outcome global = mqctl({"--help"});
  EXPECT_EQ(global.status, 0);
  EXPECT_NE(global.out.find("topic create NAME"), std::string::npos);
  Outcome command = mqctl({"consume", "--help"});
  EXPECT_EQ(command.status, 0);
  EXPECT_NE(command.out.find("--from WHERE"), std::string::npos);
  Outcome group = mqctl({"datanode", "--help"});
  EXPECT_EQ(group.status, 0);
  EXPECT_NE(group.out.find("datanode add"), std::string::npos);
}

TEST(Mqctl, UnreachableMetaserverFailsWithExitOneAndPointsAtMqStatus) {
  std::string dead = "127.0.0.1:" + std::to_string(mq::testing::freePort());
  Outcome run = mqctl({"--metaserver", dead, "--timeout-ms", "500", "topic", "list"});
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find(dead), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("`./mq status`"), std::string::npos) << run.err;
}

// Every option of consume is checked before it connects: a bad one is named, with exit 2,
// even where no metaserver answers (not the connection failure the read would meet first).
TEST(Mqctl, ConsumeChecksItsOptionsBeforeConnecting) {
  std::string dead = "127.0.0.1:" + std::to_string(mq::testing::freePort());
  for (const std::vector<std::string>& mode :
       {std::vector<std::string>{}, std::vector<std::string>{"--group", "g"}}) {
    for (const std::string option : {"--max", "--timeout-ms", "--retry-for-ms"}) {
      std::vector<std::string> args = {"--metaserver", dead, "--timeout-ms", "500",
                                       "consume",      "t",  option,         "soon"};
      args.insert(args.end(), mode.begin(), mode.end());
      Outcome run = mqctl(args);
      EXPECT_EQ(run.status, 2) << option << ": " << run.err;
      EXPECT_NE(run.err.find(option + " expects a whole number, got `soon`"), std::string::npos)
          << run.err;
    }
  }
}

TEST(Mqctl, RefusedProduceSaysOnlyWhyAndEmptyStdinSaysSo) {
  FakeBrokerServer server;
  server.broker().addTopic("t", 2);
  Outcome unknown = mqctl({"--brokers", server.address(), "produce", "x"}, "v\n");
  EXPECT_EQ(unknown.status, 1);
  EXPECT_EQ(unknown.out, "") << "no summary of 0 messages before the refusal";
  EXPECT_NE(unknown.err.find("unknown topic `x`"), std::string::npos) << unknown.err;

  Outcome empty = mqctl({"--brokers", server.address(), "produce", "t"}, "");
  EXPECT_EQ(empty.status, 0) << empty.err;
  EXPECT_EQ(empty.out, "");
  EXPECT_EQ(empty.err, "stdin was empty: no message to produce\n");
}

TEST(Mqctl, VersionIsTheProjectVersion) {
  Outcome run = mqctl({"--version"});
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.out, std::string("mqctl ") + MQ_VERSION + "\n");
}

// What bash offers after `words` (the last one being completed), with the script loaded.
std::string completeInBash(const std::string& script, const std::vector<std::string>& words) {
  const std::string path = ::testing::TempDir() + "mqctl_completion.bash";
  {
    std::ofstream file(path);
    file << script;
  }
  std::string line = "mqctl";
  for (const auto& word : words) line += " '" + word + "'";
  const std::string command = "bash -c 'source " + path + "; COMP_WORDS=(" +
                              std::regex_replace(line, std::regex("'"), "'\\''") +
                              "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _mqctl; "
                              "echo \"${COMPREPLY[*]}\"'";
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  pclose(pipe);
  return output;
}

TEST(Mqctl, BashCompletionOffersCommandsSubcommandsAndFlags) {
  Outcome script = mqctl({"completion", "bash"});
  ASSERT_EQ(script.status, 0) << script.err;
  EXPECT_EQ(completeInBash(script.out, {"to"}), "topic token\n");
  EXPECT_EQ(completeInBash(script.out, {"topic", "cr"}), "create\n");
  EXPECT_EQ(completeInBash(script.out, {"topic", "create", "t", "--par"}), "--partitions\n");
  EXPECT_EQ(completeInBash(script.out, {"--metaserver", "h:1", "prod"}), "produce\n")
      << "a global flag's value is not a command word";
  EXPECT_EQ(completeInBash(script.out, {"produce", "t", "--ke"}), "--key --keyed\n");
  EXPECT_EQ(completeInBash(script.out, {"consume", "t", "--json", "--metas"}), "--metaserver\n");
  // Every command's first word is offered on an empty line.
  std::string all = completeInBash(script.out, {""});
  std::replace(all.begin(), all.end(), '\n', ' ');
  for (const auto& command : allCommands()) {
    const std::string first = command.name.substr(0, command.name.find(' '));
    EXPECT_NE((" " + all).find(" " + first + " "), std::string::npos) << first << " in " << all;
  }
  Outcome zsh = mqctl({"completion", "zsh"});
  EXPECT_EQ(zsh.status, 2);
  EXPECT_NE(zsh.err.find("bash only, got `zsh`"), std::string::npos) << zsh.err;
}

}  // namespace
}  // namespace mq::mqctl
