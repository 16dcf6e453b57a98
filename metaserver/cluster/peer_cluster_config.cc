#include "metaserver/cluster/peer_cluster_config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>
#include <stdexcept>

#include "client/host_port.h"
#include "common/option_values.h"
#include "common/tls.h"
#include "common/topic_name.h"
#include "server/security_config.h"

using mq::client::parseHostPort;

namespace mq {
namespace {

// Sets `key` of a peer's settings, or throws naming the peer and the key.
void applySetting(PeerCluster& peer, const std::string& key, const std::string& value) {
  const std::string where = fmt::format("peer-cluster `{}`: ", peer.name);
  if (value.empty()) throw std::invalid_argument(where + key + " needs a value (" + key + "=...)");
  if (key == "token-file") {
    peer.token_file = value;
    peer.token = readSecretFile(where + "token-file", value);
    return;
  }
  if (setClientTlsSetting(peer.tls, key, value, where)) return;
  throw std::invalid_argument(fmt::format("{}unknown setting `{}` (known: token-file, {})", where,
                                          key, fmt::join(clientTlsSettingNames(), ", ")));
}

}  // namespace

void addPeerClusterOptions(po::options_description& options, PeerClusterConfig& config) {
  std::string settings = ",token-file=PATH";
  for (const auto& name : clientTlsSettingNames()) settings += " ," + name + "=...";
  const std::string help = "a peer cluster, NAME=HOST:PORT of its metaserver, then " + settings +
                           " as needed; repeat per peer (docs/multi-cluster.md)";
  options.add_options()                                                                   //
      ("peer-cluster", po::value<std::vector<std::string>>()->composing(), help.c_str())  //
      ("peer-check-interval",
       po::value<std::string>()->default_value(formatDurationMs(config.check_interval_ms)),
       "how often every peer cluster's metaserver is asked for its name");
}

PeerCluster parsePeerCluster(const std::string& text) {
  const auto parts = listOptionValue(text);
  const std::string first = parts.empty() ? "" : parts.front();
  const auto equals = first.find('=');
  if (equals == std::string::npos) {
    throw std::invalid_argument("peer-cluster must be NAME=HOST:PORT[,setting=value...], got `" +
                                text + "`");
  }
  PeerCluster peer;
  peer.name = first.substr(0, equals);
  peer.metaserver = first.substr(equals + 1);
  if (!validClusterName(peer.name)) {
    throw std::invalid_argument(
        "peer-cluster name must be 1..64 characters from "
        "[A-Za-z0-9._-], got `" +
        peer.name + "`");
  }
  std::string problem;
  if (!parseHostPort(peer.metaserver, &problem)) {
    throw std::invalid_argument(fmt::format("peer-cluster `{}`: {}", peer.name, problem));
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    const auto eq = parts[i].find('=');
    applySetting(peer, parts[i].substr(0, eq),
                 eq == std::string::npos ? "" : parts[i].substr(eq + 1));
  }
  try {
    makeTlsFactory(peer.tls, TlsSide::kClient);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(fmt::format("peer-cluster `{}`: {}", peer.name, e.what()));
  }
  return peer;
}

bool readPeerClusterConfig(const po::variables_map& values, const std::string& own_name,
                           PeerClusterConfig& config, std::string* problem) {
  try {
    config.check_interval_ms =
        durationOptionMs(values, "peer-check-interval", config.check_interval_ms, 100, 3600 * 1000);
    config.peers.clear();
    std::set<std::string> names;
    if (values.count("peer-cluster")) {
      for (const auto& text : values["peer-cluster"].as<std::vector<std::string>>()) {
        PeerCluster peer = parsePeerCluster(text);
        if (peer.name == own_name) {
          throw std::invalid_argument("peer-cluster `" + peer.name +
                                      "` is this cluster's own name (cluster-name)");
        }
        if (!names.insert(peer.name).second) {
          throw std::invalid_argument("peer-cluster `" + peer.name + "` is given twice");
        }
        config.peers.push_back(std::move(peer));
      }
    }
  } catch (const std::invalid_argument& e) {
    *problem = e.what();
    return false;
  }
  return true;
}

}  // namespace mq
