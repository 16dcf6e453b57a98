// Peer clusters (docs/multi-cluster.md, "Peer clusters"): a metaserver configured with
// peer-cluster options checks each peer's metaserver for its name, and `mqctl cluster peers`
// and /metrics show the outcome; bad peer-cluster values stop start-up naming them.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/harness/child_process.h"
#include "tests/harness/eventually.h"
#include "tests/harness/free_port.h"
#include "tests/harness/metrics_scrape.h"
#include "tests/harness/test_cluster.h"

namespace mq::test {
namespace {

using namespace std::chrono_literals;

// The line of `name` in `mqctl cluster peers --json` output, or "".
std::string peerLine(const std::string& json_lines, const std::string& name) {
  const std::string key = "\"name\":\"" + name + "\"";
  size_t start = 0;
  while (start < json_lines.size()) {
    size_t end = json_lines.find('\n', start);
    if (end == std::string::npos) end = json_lines.size();
    const std::string line = json_lines.substr(start, end - start);
    if (line.find(key) != std::string::npos) return line;
    start = end + 1;
  }
  return "";
}

TEST(PeerClusters, TheMetaserverChecksEachPeerAndMqctlShowsWhichAnswer) {
  ClusterOptions west_options;
  west_options.metaserver_args = {"--cluster-name", "west"};
  TestCluster west(west_options);
  // Nothing listens on this port.
  const std::string nowhere = "127.0.0.1:" + std::to_string(freePort());
  ClusterOptions east_options;
  east_options.metaserver_args = {"--cluster-name",
                                  "east",
                                  "--peer-cluster",
                                  "west=" + west.metaserverAddress(),
                                  "--peer-cluster",
                                  "south=" + west.metaserverAddress(),  // answers as west
                                  "--peer-cluster",
                                  "north=" + nowhere,
                                  "--peer-check-interval",
                                  "300ms"};
  TestCluster east(east_options);

  std::string out, err;
  ASSERT_TRUE(eventually(30s,
                         [&] {
                           if (east.mqctl({"cluster", "peers", "--json"}, &out, &err) != 0)
                             return false;
                           for (const char* name : {"west", "south", "north"}) {
                             if (peerLine(out, name).find("\"checked_at_ms\":0") !=
                                 std::string::npos)
                               return false;
                           }
                           return true;
                         }))
      << out << err;
  const std::string west_line = peerLine(out, "west");
  EXPECT_NE(west_line.find("\"metaserver\":\"" + west.metaserverAddress() + "\""),
            std::string::npos)
      << west_line;
  EXPECT_NE(west_line.find("\"reachable\":true"), std::string::npos) << west_line;
  EXPECT_NE(west_line.find("\"problem\":\"\""), std::string::npos) << west_line;
  const std::string south_line = peerLine(out, "south");
  EXPECT_NE(south_line.find("\"reachable\":false"), std::string::npos) << south_line;
  EXPECT_NE(south_line.find("says it is cluster `west`, not `south`"), std::string::npos)
      << south_line;
  const std::string north_line = peerLine(out, "north");
  EXPECT_NE(north_line.find("\"reachable\":false"), std::string::npos) << north_line;
  EXPECT_EQ(north_line.find("\"problem\":\"\""), std::string::npos) << north_line;

  EXPECT_EQ(
      metricSum(east.metaserverHttpPort(), "mq_metaserver_peer_cluster_up", {R"(peer="west")"}), 1);
  EXPECT_EQ(
      metricSum(east.metaserverHttpPort(), "mq_metaserver_peer_cluster_up", {R"(peer="south")"}),
      0);
  EXPECT_EQ(metricSum(east.metaserverHttpPort(), "mq_metaserver_peer_cluster_up"), 1);

  // The table, and a cluster without peers.
  ASSERT_EQ(east.mqctl({"cluster", "peers"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("NAME"), std::string::npos) << out;
  EXPECT_NE(out.find("reachable"), std::string::npos) << out;
  EXPECT_NE(out.find("unreachable: its metaserver says it is cluster `west`"), std::string::npos)
      << out;
  ASSERT_EQ(west.mqctl({"cluster", "peers"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("no peer clusters"), std::string::npos) << out;
}

TEST(PeerClusters, ABadPeerClusterStopsStartUpNamingIt) {
  const std::string metaserver = binDir() + "/mq-metaserver";
  auto startWith = [&](const std::string& peer, std::string* err) {
    std::string out;
    return runCommand({metaserver, "--meta-db", "mysql://mq:mq@127.0.0.1:1/mq", "--port",
                       std::to_string(freePort()), "--http-port", std::to_string(freePort()),
                       "--peer-cluster", peer},
                      "", &out, err);
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"west", "peer-cluster must be NAME=HOST:PORT"},
      {"we st=127.0.0.1:9100", "peer-cluster name must be 1..64 characters"},
      {"west=nohost", "peer-cluster `west`:"},
      {"local=127.0.0.1:9100", "`local` is this cluster's own name"},
      {"west=127.0.0.1:9100,colour=red", "peer-cluster `west`: unknown setting `colour`"},
      {"west=127.0.0.1:9100,tls-ca=/nonexistent/ca.pem",
       "peer-cluster `west`: tls-ca `/nonexistent/ca.pem`: cannot read it"},
      {"west=127.0.0.1:9100,token-file=/nonexistent/token",
       "peer-cluster `west`: token-file: cannot read `/nonexistent/token`"},
  };
  for (const auto& [peer, expected] : cases) {
    std::string err;
    EXPECT_EQ(startWith(peer, &err), 2) << peer << ": " << err;
    EXPECT_NE(err.find(expected), std::string::npos) << peer << ": " << err;
  }
}

}  // namespace
}  // namespace mq::test
