#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "client/mqctl/commands.h"

using mq::client::ClientConfig;

namespace mq::mqctl {

namespace {

ClientConfig baseConfig(const Context& context) {
  ClientConfig config;
  config.client_id = "mqctl";
  config.token = context.token;
  config.tls = context.tls;
  config.request_timeout_ms = context.timeout_ms;
  config.connect_timeout_ms = std::min<int64_t>(3000, context.timeout_ms);
  // A person is waiting: give up sooner than a long-running service would.
  config.retries = 5;
  config.retry_backoff_max_ms = 1000;
  return config;
}

}  // namespace

void printLine(const Context& context, const JsonObject& json) {
  *context.out << json.str() << "\n";
}

ClientConfig Context::adminConfig() const {
  ClientConfig config = baseConfig(*this);
  config.metaserver = metaserver;
  config.bootstrap_brokers = brokers;
  return config;
}

ClientConfig Context::dataConfig() const {
  ClientConfig config = baseConfig(*this);
  if (brokers.empty()) {
    config.metaserver = metaserver;
  } else {
    config.bootstrap_brokers = brokers;
  }
  return config;
}

const std::vector<Command>& allCommands() {
  static const std::vector<Command> commands = [] {
    std::vector<Command> all;
    for (auto group :
         {adminCommands(), produceCommands(), consumeCommands(), offsetsCommands(), groupCommands(),
          alertCommands(), lifecycleCommands(), outboxCommands(), userCommands(), dlqCommands(),
          accessCommands(), quotaCommands(), searchCommands(), traceCommands(),
          completionCommands(), clusterCommands()}) {
      all.insert(all.end(), group.begin(), group.end());
    }
    return all;
  }();
  return commands;
}

std::string formatDuration(int64_t ms) {
  struct Unit {
    int64_t ms;
    const char* suffix;
  };
  for (Unit unit : {Unit{86400000, "d"}, Unit{3600000, "h"}, Unit{60000, "m"}, Unit{1000, "s"}}) {
    if (ms > 0 && ms % unit.ms == 0) return fmt::format("{}{}", ms / unit.ms, unit.suffix);
  }
  return fmt::format("{}ms", ms);
}

std::string formatTime(int64_t ms_since_epoch) {
  if (ms_since_epoch <= 0) return "-";
  std::time_t seconds = static_cast<std::time_t>(ms_since_epoch / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%S", &utc);
  return fmt::format("{}.{:03d}Z", buffer, static_cast<int>(ms_since_epoch % 1000));
}

std::string formatTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string text;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      if (i + 1 == row.size()) {
        line += row[i];  // no trailing padding
      } else {
        line += fmt::format("{:<{}}  ", row[i], widths[i]);
      }
    }
    text += line + "\n";
  }
  return text;
}

}  // namespace mq::mqctl
