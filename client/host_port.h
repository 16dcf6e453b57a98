// A server address ("host:port", "[::1]:9200") as the configuration spells it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mq::client {

struct HostPort {
  std::string host;
  int port = 0;

  std::string toString() const;
  bool operator==(const HostPort& o) const { return port == o.port && host == o.host; }
  bool operator!=(const HostPort& o) const { return !(*this == o); }
  bool operator<(const HostPort& o) const { return host != o.host ? host < o.host : port < o.port; }
};

// Parses "host:port" or "[v6-address]:port" (port 1..65535). Returns nullopt and sets
// *problem to a sentence naming the text when it is malformed.
std::optional<HostPort> parseHostPort(std::string_view text, std::string* problem);

// Parses every entry; throws Error(INVALID_CONFIG) naming `property` and the bad entry.
std::vector<HostPort> parseHostPorts(const std::vector<std::string>& texts,
                                     const std::string& property);

}  // namespace mq::client
