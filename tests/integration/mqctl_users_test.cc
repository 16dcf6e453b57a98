// mqctl user ... and team ... (docs/client.md) as real processes against a real metaserver
// with sign-in on, its first admin's password in a file: every command works, its effect is
// visible through the portal's API (sign-in with the new passwords, the audit log), and every
// refusal (no password, a wrong one, not an admin, bad input, an unreachable metaserver) is a
// clear error with a non-zero exit that changes nothing.
#define BOOST_BIND_GLOBAL_PLACEHOLDERS
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "server/http_client.h"
#include "tests/harness/test_cluster.h"

namespace mq::test {
namespace {

namespace pt = boost::property_tree;

std::string passwordFile() {
  static const std::string path =
      fmt::format("{}/mqctl_users_test-{}.admin-password", MQ_TEST_WORK_DIR, getpid());
  return path;
}

ClusterOptions portalCluster() {
  std::filesystem::create_directories(MQ_TEST_WORK_DIR);
  std::filesystem::remove(passwordFile());
  ClusterOptions options;
  options.metaserver_args = {"--http-auth", "on", "--admin-password-file", passwordFile()};
  return options;
}

std::vector<pt::ptree> jsonLines(const std::string& output) {
  std::vector<pt::ptree> lines;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    pt::ptree tree;
    std::istringstream json(line);
    pt::read_json(json, tree);
    lines.push_back(tree);
  }
  return lines;
}

class MqctlUsers : public ::testing::Test {
 protected:
  MqctlUsers() : cluster_(portalCluster()) {}

  std::string portalUrl() const {
    return fmt::format("http://127.0.0.1:{}", cluster_.metaserverHttpPort());
  }

  // mqctl COMMAND... --portal URL --password-file FILE (as the first admin unless `login`).
  int run(std::vector<std::string> args, const std::string& input = "",
          const std::string& password_file = passwordFile(), const std::string& login = "") {
    args.insert(args.end(), {"--portal", portalUrl(), "--password-file", password_file});
    if (!login.empty()) args.insert(args.end(), {"--login", login});
    out_.clear();
    err_.clear();
    return cluster_.mqctl(args, &out_, &err_, input);
  }

  // The HTTP status of signing in to the portal as `user`.
  int signIn(const std::string& user, const std::string& password) {
    std::string problem;
    auto url = HttpUrl::parse(portalUrl() + "/api/login", &problem);
    return httpRequest("POST", *url,
                       fmt::format(R"({{"user":"{}","password":"{}"}})", user, password),
                       "application/json", 10000)
        .status;
  }

  std::vector<std::string> userNames() {
    EXPECT_EQ(run({"--json", "user", "list"}), 0) << err_;
    std::vector<std::string> names;
    for (const auto& user : jsonLines(out_)) names.push_back(user.get<std::string>("name"));
    return names;
  }

  // A file holding `password` (for --password-file).
  std::string writePassword(const std::string& name, const std::string& password) {
    const std::string path =
        fmt::format("{}/mqctl_users_test-{}-{}.password", MQ_TEST_WORK_DIR, getpid(), name);
    std::ofstream(path) << password << "\n";
    return path;
  }

  TestCluster cluster_;
  std::string out_, err_;
};

TEST_F(MqctlUsers, CreateListChangeAndDeleteUsersAndTeams) {
  ASSERT_EQ(run({"team", "create", "payments", "--description", "Payments & refunds"}), 0) << err_;
  EXPECT_NE(out_.find("created team `payments`"), std::string::npos) << out_;
  ASSERT_EQ(run({"--json", "team", "create", "search"}), 0) << err_;
  EXPECT_EQ(jsonLines(out_).at(0).get<std::string>("name"), "search");

  // A generated password, printed once, that signs in.
  ASSERT_EQ(run({"user", "create", "carol", "--team", "payments", "--team", "search"}), 0) << err_;
  const std::string marker = "generated password (shown once): ";
  const auto at = out_.find(marker);
  ASSERT_NE(at, std::string::npos) << out_;
  const std::string carol_password =
      out_.substr(at + marker.size(), out_.find('\n', at) - at - marker.size());
  EXPECT_GE(carol_password.size(), 16u);
  EXPECT_EQ(signIn("carol", carol_password), 200);
  // A chosen one from stdin, never on the command line.
  ASSERT_EQ(
      run({"--json", "user", "create", "dave", "--admin", "--password-stdin"}, "dave-password-1\n"),
      0)
      << err_;
  EXPECT_FALSE(jsonLines(out_).at(0).get_optional<std::string>("password"));
  EXPECT_EQ(signIn("dave", "dave-password-1"), 200);

  ASSERT_EQ(run({"--json", "user", "list"}), 0) << err_;
  auto users = jsonLines(out_);
  ASSERT_EQ(users.size(), 3u) << out_;
  EXPECT_EQ(users[1].get<std::string>("name"), "carol");
  EXPECT_EQ(users[1].get<std::string>("teams"), "payments,search");
  EXPECT_EQ(users[2].get<std::string>("name"), "dave");
  EXPECT_TRUE(users[2].get<bool>("admin"));
  EXPECT_EQ(out_.find("pbkdf2"), std::string::npos);
  ASSERT_EQ(run({"user", "list"}), 0) << err_;
  EXPECT_NE(out_.find("carol"), std::string::npos);
  EXPECT_NE(out_.find("payments,search"), std::string::npos) << out_;

  // Membership.
  ASSERT_EQ(run({"team", "add-member", "payments", "dave"}), 0) << err_;
  EXPECT_NE(out_.find("members: carol,dave"), std::string::npos) << out_;
  ASSERT_EQ(run({"--json", "team", "remove-member", "payments", "carol"}), 0) << err_;
  EXPECT_EQ(jsonLines(out_).at(0).get<std::string>("members"), "dave");
  ASSERT_EQ(run({"--json", "team", "list"}), 0) << err_;
  auto teams = jsonLines(out_);
  ASSERT_EQ(teams.size(), 2u);
  EXPECT_EQ(teams[0].get<std::string>("name"), "payments");
  EXPECT_EQ(teams[0].get<std::string>("description"), "Payments & refunds");
  EXPECT_EQ(teams[1].get<std::string>("members"), "carol");

  // Passwords: a chosen one replaces the old; a generated one is printed.
  ASSERT_EQ(run({"user", "set-password", "carol", "--password-stdin"}, "carol-new-pass-1\n"), 0)
      << err_;
  EXPECT_EQ(signIn("carol", carol_password), 401);
  EXPECT_EQ(signIn("carol", "carol-new-pass-1"), 200);
  ASSERT_EQ(run({"--json", "user", "set-password", "carol"}), 0) << err_;
  const std::string generated = jsonLines(out_).at(0).get<std::string>("password");
  EXPECT_EQ(signIn("carol", generated), 200);

  // dave (an admin now) works with his own sign-in.
  const std::string dave_file = writePassword("dave", "dave-password-1");
  ASSERT_EQ(run({"team", "delete", "search"}, "", dave_file, "dave"), 0) << err_;
  ASSERT_EQ(run({"user", "delete", "carol"}), 0) << err_;
  EXPECT_EQ(userNames(), (std::vector<std::string>{"admin", "dave"}));
  EXPECT_EQ(signIn("carol", generated), 401);

  std::filesystem::remove(dave_file);

  // Each change is in the audit log with who made it (read through the API as dave).
  std::string problem;
  auto login =
      httpRequest("POST", *HttpUrl::parse(portalUrl() + "/api/login", &problem),
                  R"({"user":"dave","password":"dave-password-1"})", "application/json", 10000);
  ASSERT_EQ(login.status, 200);
  const std::string cookie =
      login.headers["set-cookie"].substr(0, login.headers["set-cookie"].find(';'));
  auto audit = httpRequest("GET", *HttpUrl::parse(portalUrl() + "/api/audit?limit=1000", &problem),
                           "", "application/json", 10000, {{"Cookie", cookie}});
  ASSERT_EQ(audit.status, 200);
  for (const char* action :
       {"\"team.create\"", "\"user.create\"", "\"team.add_member\"", "\"team.remove_member\"",
        "\"user.set_password\"", "\"team.delete\"", "\"user.delete\""}) {
    EXPECT_NE(audit.body.find(action), std::string::npos) << action;
  }
  EXPECT_NE(audit.body.find("\"actor\":\"user:dave\",\"action\":\"team.delete\""),
            std::string::npos);
  EXPECT_EQ(audit.body.find("carol-new-pass-1"), std::string::npos);
}

TEST_F(MqctlUsers, RefusalsAreClearErrorsAndChangeNothing) {
  ASSERT_EQ(run({"team", "create", "payments"}), 0) << err_;
  ASSERT_EQ(run({"user", "create", "erin", "--team", "payments", "--password-stdin"},
                "erin-password-12\n"),
            0)
      << err_;
  const auto before = userNames();

  // No password at all: a usage error (2) saying how to give one.
  out_.clear();
  err_.clear();
  EXPECT_EQ(cluster_.mqctl({"user", "list", "--portal", portalUrl()}, &out_, &err_), 2);
  EXPECT_NE(err_.find("--password-file"), std::string::npos) << err_;
  // A wrong password.
  const std::string wrong = writePassword("wrong", "not-the-password");
  EXPECT_EQ(run({"user", "create", "mallory"}, "", wrong), 1);
  EXPECT_NE(err_.find("wrong user name or password"), std::string::npos) << err_;
  // Not an admin.
  const std::string erin = writePassword("erin", "erin-password-12");
  EXPECT_EQ(run({"team", "create", "mine"}, "", erin, "erin"), 1);
  EXPECT_NE(err_.find("only admins"), std::string::npos) << err_;
  EXPECT_EQ(run({"user", "set-password", "admin"}, "", erin, "erin"), 1);
  EXPECT_NE(err_.find("only admins"), std::string::npos) << err_;
  // Bad input names the field.
  EXPECT_EQ(run({"user", "create", "bad name"}), 1);
  EXPECT_NE(err_.find("name:"), std::string::npos) << err_;
  EXPECT_EQ(run({"user", "create", "frank", "--password-stdin"}, "short\n"), 1);
  EXPECT_NE(err_.find("password:"), std::string::npos) << err_;
  EXPECT_EQ(run({"user", "create", "frank", "--team", "nosuchteam"}), 1);
  EXPECT_NE(err_.find("teams:"), std::string::npos) << err_;
  EXPECT_EQ(run({"user", "set-password", "erin", "--password-stdin"}, "short\n"), 1);
  EXPECT_NE(err_.find("password:"), std::string::npos) << err_;
  EXPECT_EQ(run({"team", "create", "payments"}), 1);
  EXPECT_NE(err_.find("exists"), std::string::npos) << err_;
  EXPECT_EQ(run({"team", "add-member", "nosuchteam", "erin"}), 1);
  EXPECT_NE(err_.find("no team named `nosuchteam`"), std::string::npos) << err_;
  EXPECT_EQ(run({"team", "add-member", "payments", "nobody"}), 1);
  EXPECT_NE(err_.find("user:"), std::string::npos) << err_;
  EXPECT_EQ(run({"user", "delete", "nobody"}), 1);
  EXPECT_NE(err_.find("no user named `nobody`"), std::string::npos) << err_;
  EXPECT_EQ(run({"user", "create"}), 2);  // missing NAME
  // Nothing changed: erin's password still works, no user was added.
  EXPECT_EQ(signIn("erin", "erin-password-12"), 200);
  EXPECT_EQ(userNames(), before);

  // Where there is no metaserver, or with a URL it cannot use.
  out_.clear();
  err_.clear();
  EXPECT_EQ(cluster_.mqctl({"user", "list", "--portal", "http://127.0.0.1:1", "--password-file",
                            passwordFile()},
                           &out_, &err_),
            1);
  EXPECT_NE(err_.find("127.0.0.1:1"), std::string::npos) << err_;
  EXPECT_EQ(cluster_.mqctl({"user", "list", "--portal", "https://127.0.0.1:1", "--password-file",
                            passwordFile()},
                           &out_, &err_),
            1);
  // https portals are supported: refused here only because nothing listens.
  EXPECT_NE(err_.find("https://127.0.0.1:1"), std::string::npos) << err_;
  std::filesystem::remove(wrong);
  std::filesystem::remove(erin);
}

}  // namespace
}  // namespace mq::test
