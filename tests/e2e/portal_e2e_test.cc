// Runs the portal's end-to-end tests in headless Chromium against a real cluster: a
// metaserver with sign-in on and its first admin's password in a file, a broker and a
// datanode in the suite's MariaDB. tests/e2e/portal.spec.mjs (ctest portal_e2e; screenshots
// in build/test-work/screenshots) walks through the pages; tests/e2e/access.spec.mjs (ctest
// portal_access_e2e; build/test-work/screenshots-access) manages access tokens and grants
// with the metaserver and the broker running with `auth = on`.
//
// Fails, saying what to install, when node, Chromium or playwright-core is missing: the test
// never passes without having driven a browser.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "tests/harness/test_cluster.h"

namespace mq::test {
namespace {

namespace fs = std::filesystem;

// `name` found in PATH, or "".
std::string findInPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const fs::path candidate = fs::path(dir) / name;
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

// Node, Chromium, playwright-core and the chart library, or a failure naming what to install.
void requireBrowser(std::string* node) {
  *node = findInPath("node");
  ASSERT_FALSE(node->empty()) << "node is not installed: run scripts/install-deps.sh";
  ASSERT_TRUE(fs::exists("/usr/bin/chromium"))
      << "/usr/bin/chromium is missing: run scripts/install-deps.sh (Debian package chromium)";
  ASSERT_TRUE(fs::exists(fs::path(MQ_E2E_DIR) / "node_modules/playwright-core"))
      << "playwright-core is missing in " << MQ_E2E_DIR
      << "/node_modules: run scripts/install-deps.sh (npm install in tests/e2e)";
  // The portal's chart library, served by the metaserver from portal/node_modules.
  const fs::path chart_library =
      fs::path(MQ_E2E_DIR) / "../../portal/node_modules/uplot/dist/uPlot.esm.js";
  ASSERT_TRUE(fs::exists(chart_library))
      << chart_library << " is missing: run scripts/install-deps.sh (npm ci in portal/)";
}

TEST(PortalEndToEnd, SignInCreateProduceBrowseLagAlertResetAndAuditInChromium) {
  std::string node;
  ASSERT_NO_FATAL_FAILURE(requireBrowser(&node));

  fs::create_directories(MQ_TEST_WORK_DIR);
  const std::string password_file =
      fmt::format("{}/portal_e2e-{}.admin-password", MQ_TEST_WORK_DIR, getpid());
  fs::remove(password_file);
  ClusterOptions options;
  // The lifecycle task as good as off: at its runs (every 10 s by default) it would retire the
  // partition the walk makes read-only once no group is behind on it, and a retired partition
  // never becomes writable again.
  options.metaserver_args = {"--http-auth",       "on",      "--admin-password-file", password_file,
                             "--lag-interval",    "500ms",   "--lifecycle-interval",  "1h",
                             "--retention-lease", "2h",      "--lag-stop-min-idle",   "3s",
                             "--cluster-name",    "e2e-west"};
  TestCluster cluster(options);

  const std::string screenshots = std::string(MQ_TEST_WORK_DIR) + "/screenshots";
  fs::remove_all(screenshots);
  std::string output, error;
  const int rc =
      runCommand({node, std::string(MQ_E2E_DIR) + "/portal.spec.mjs", "--url",
                  fmt::format("http://127.0.0.1:{}", cluster.metaserverHttpPort()),
                  "--password-file", password_file, "--mqctl", binDir() + "/mqctl", "--metaserver",
                  cluster.metaserverAddress(), "--screenshots", screenshots},
                 "", &output, &error, 400000);
  fs::remove(password_file);
  std::cout << output << error;
  EXPECT_EQ(rc, 0) << "the browser test failed (see its output above, the screenshots in "
                   << screenshots << " and the cluster's logs in " << cluster.logDir() << ")";
}

}  // namespace
}  // namespace mq::test

namespace mq::test {
namespace {

// Access tokens and grants (tests/e2e/access.spec.mjs): a metaserver and a broker with
// `auth = on`; the spec issues, grants and revokes a token in the portal and produces with it
// through the broker with mqctl.
TEST(PortalAccessEndToEnd, TokenIssuedCopiedGrantedProducesAndIsRefusedOnceRevokedInChromium) {
  std::string node;
  ASSERT_NO_FATAL_FAILURE(requireBrowser(&node));
  fs::create_directories(MQ_TEST_WORK_DIR);
  const std::string work = fmt::format("{}/portal_access_e2e-{}", MQ_TEST_WORK_DIR, getpid());
  const std::string password_file = work + ".admin-password";
  const std::string bootstrap_file = work + ".bootstrap";
  fs::remove(password_file);
  fs::remove(bootstrap_file);
  ClusterOptions options;
  options.broker_args = {"--auth", "on", "--auth-refresh", "500ms"};
  options.metaserver_args = {"--http-auth",    "on",    "--admin-password-file",  password_file,
                             "--auth",         "on",    "--auth-refresh",         "500ms",
                             "--lag-interval", "500ms", "--bootstrap-token-file", bootstrap_file};
  options.admin_token_file = bootstrap_file;
  TestCluster cluster(options);

  const std::string screenshots = std::string(MQ_TEST_WORK_DIR) + "/screenshots-access";
  fs::remove_all(screenshots);
  std::string output, error;
  const int rc = runCommand(
      {node, std::string(MQ_E2E_DIR) + "/access.spec.mjs", "--url",
       fmt::format("http://127.0.0.1:{}", cluster.metaserverHttpPort()), "--password-file",
       password_file, "--mqctl", binDir() + "/mqctl", "--metaserver", cluster.metaserverAddress(),
       "--broker", fmt::format("127.0.0.1:{}", cluster.brokerPort(0)), "--admin-token-file",
       bootstrap_file, "--screenshots", screenshots},
      "", &output, &error, 300000);
  fs::remove(password_file);
  fs::remove(bootstrap_file);
  std::cout << output << error;
  EXPECT_EQ(rc, 0) << "the browser test failed (see its output above, the screenshots in "
                   << screenshots << " and the cluster's logs in " << cluster.logDir() << ")";
}

}  // namespace
}  // namespace mq::test

namespace mq::test {
namespace {

// The Mirrors page (tests/e2e/mirrors.spec.mjs): clusters west (this portal, with peer
// clusters east and north) and east, and a real mq-mirror copying west's topic into east.
TEST(PortalMirrorsEndToEnd, PeersAndAMirrorWithItsLagInChromium) {
  std::string node;
  ASSERT_NO_FATAL_FAILURE(requireBrowser(&node));
  fs::create_directories(MQ_TEST_WORK_DIR);
  const std::string password_file =
      fmt::format("{}/portal_mirrors_e2e-{}.admin-password", MQ_TEST_WORK_DIR, getpid());
  fs::remove(password_file);
  ClusterOptions east_options;
  east_options.metaserver_args = {"--cluster-name", "east"};
  TestCluster east(east_options);
  ClusterOptions west_options;
  west_options.metaserver_args = {"--cluster-name", "west", "--http-auth", "on",
                                  "--admin-password-file", password_file, "--lag-interval", "500ms",
                                  "--peer-check-interval", "500ms", "--peer-cluster",
                                  "east=" + east.metaserverAddress(), "--peer-cluster",
                                  // Nothing listens there.
                                  fmt::format("north=127.0.0.1:{}", freePort())};
  TestCluster west(west_options);
  west.createTopic("mirrored.orders", 2);

  ChildProcess mirror;
  const std::string mirror_log = west.logDir() + "/mirror.log";
  mirror.start({binDir() + "/mq-mirror", "--source-metaserver", west.metaserverAddress(),
                "--target-metaserver", east.metaserverAddress(), "--topic-prefixes", "mirrored.",
                "--metrics-port", std::to_string(freePort()), "--checkpoint-interval", "1s"},
               mirror_log);

  const std::string screenshots = std::string(MQ_TEST_WORK_DIR) + "/screenshots-mirrors";
  fs::remove_all(screenshots);
  std::string output, error;
  const int rc =
      runCommand({node, std::string(MQ_E2E_DIR) + "/mirrors.spec.mjs", "--url",
                  fmt::format("http://127.0.0.1:{}", west.metaserverHttpPort()), "--password-file",
                  password_file, "--mqctl", binDir() + "/mqctl", "--metaserver",
                  west.metaserverAddress(), "--screenshots", screenshots},
                 "", &output, &error, 300000);
  fs::remove(password_file);
  std::cout << output << error;
  EXPECT_EQ(rc, 0) << "the browser test failed (see its output above, the screenshots in "
                   << screenshots << ", the mirror's log " << mirror_log
                   << " and the clusters' logs)";
  EXPECT_EQ(mirror.stop(20000), 0);
}

}  // namespace
}  // namespace mq::test
