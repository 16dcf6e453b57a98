// mqctl's commands: each takes the global settings and its own arguments, writes its
// result to `out` (text, or one JSON object per line with --json) and returns the exit
// status. They throw UsageError for bad arguments and mq::client::Error for failures; main() turns
// those into a message on stderr and exit status 2 or 1.
#pragma once

#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "client/mqctl/args.h"
#include "client/mqctl/json_writer.h"
#include "common/iso_time.h"
#include "mq/client.h"

namespace mq::mqctl {

// Global flags, shared by every command.
struct Context {
  std::string metaserver = "127.0.0.1:9100";
  std::vector<std::string> brokers;  // empty: discover from the metaserver
  bool json = false;
  int64_t timeout_ms = 30000;
  // Access token secret (--token-file, $MQ_TOKEN or $MQ_TOKEN_FILE); "" = none.
  std::string token;
  // TLS to the servers (--tls*, $MQ_TLS*); off by default.
  TlsConfig tls;
  std::istream* in = &std::cin;
  std::ostream* out = &std::cout;
  std::ostream* err = &std::cerr;

  // For metaserver calls: the metaserver (and --brokers as the broker fallback).
  client::ClientConfig adminConfig() const;
  // For broker calls: --brokers exactly when given, else brokers discovered from the
  // metaserver.
  client::ClientConfig dataConfig() const;
};

// One runnable command: its words ("topic create"), positional arguments, flags, help.
struct Command {
  std::string name;         // "topic create"
  std::string arguments;    // "NAME"
  std::string summary;      // one line
  std::string description;  // more lines for `--help`, may be empty
  std::vector<FlagSpec> flags;
  size_t positionals = 0;  // exact number of positional arguments
  int (*run)(const Context& context, const ParsedArgs& args) = nullptr;
  size_t optional_positionals = 0;  // how many more positional arguments may follow
};

// Every command, in help order.
const std::vector<Command>& allCommands();
// The flags every command takes (--metaserver, --json, --help, ...).
const std::vector<FlagSpec>& globalFlags();

// Registered by the files that implement them.
std::vector<Command> adminCommands();    // topic, datanode, broker
std::vector<Command> produceCommands();  // produce
std::vector<Command> consumeCommands();  // consume
std::vector<Command> offsetsCommands();  // offsets
std::vector<Command> groupCommands();    // group
std::vector<Command> alertCommands();    // alert
std::vector<Command> outboxCommands();   // outbox
std::vector<Command> userCommands();     // user, team (through the portal's HTTP API)
std::vector<Command> dlqCommands();      // dlq
// topic set-retention|lifecycle, partition, datanode decommission|lifecycle, retention:
std::vector<Command> lifecycleCommands();
std::vector<Command> accessCommands();      // token, acl (docs/security.md)
std::vector<Command> quotaCommands();       // quota (docs/security.md#quotas)
std::vector<Command> searchCommands();      // search (through the portal's HTTP API)
std::vector<Command> traceCommands();       // trace (through the portal's HTTP API)
std::vector<Command> completionCommands();  // completion (a bash script from allCommands())
// cluster info, group translate-offsets (docs/multi-cluster.md):
std::vector<Command> clusterCommands();

// Helpers shared by the commands.
// "1073741824", "512M", "10G" (binary multiples) as bytes, at least `min`; UsageError
// naming `what` otherwise (lifecycle_commands.cc).
int64_t parseByteSize(const std::string& text, const std::string& what, int64_t min);
// "7d", "12h", "90m", "30s", "250ms".
std::string formatDuration(int64_t ms);
// "2024-05-01T12:00:00.000Z"; "-" for 0.
std::string formatTime(int64_t ms_since_epoch);
// Columns padded to the widest cell; the first row is the header.
std::string formatTable(const std::vector<std::vector<std::string>>& rows);
// One JSON object as one line of the output (--json).
void printLine(const Context& context, const JsonObject& json);

}  // namespace mq::mqctl
