#include "client/host_port.h"

#include <fmt/format.h>

#include "client/error.h"
#include "mq/client.h"

namespace mq::client {

std::string HostPort::toString() const {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

std::optional<HostPort> parseHostPort(std::string_view text, std::string* problem) {
  auto bad = [&](const char* why) -> std::optional<HostPort> {
    *problem = fmt::format("`{}` is not a host:port address ({})", text, why);
    return std::nullopt;
  };
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return bad("missing `]`");
    host = text.substr(1, close - 1);
    if (close + 1 >= text.size() || text[close + 1] != ':') return bad("missing `:port`");
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad("missing `:port`");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return bad("write IPv6 hosts as [addr]:port");
  }
  if (host.empty()) return bad("empty host");
  if (port.empty() || port.size() > 5) return bad("port must be 1..65535");
  int value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return bad("port must be 1..65535");
    value = value * 10 + (c - '0');
  }
  if (value < 1 || value > 65535) return bad("port must be 1..65535");
  return HostPort{std::string(host), value};
}

std::vector<HostPort> parseHostPorts(const std::vector<std::string>& texts,
                                     const std::string& property) {
  std::vector<HostPort> result;
  for (const auto& text : texts) {
    std::string problem;
    auto address = parseHostPort(text, &problem);
    if (!address) throw invalidConfig(property + ": " + problem);
    result.push_back(*address);
  }
  return result;
}

}  // namespace mq::client
