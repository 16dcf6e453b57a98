#include "perf/perf_config.h"

#include <fmt/format.h>

#include <iostream>
#include <sstream>

#include "common/options.h"
#include "server/security_config.h"

namespace mq::perf {
namespace {

const char* kUsage = R"(usage: mq-perf MODE [options]
       mq-perf workload FILE.yaml [options]

Modes:
  produce   send messages (async with batching, or --sync: send() and wait per message)
  consume   read a topic from the earliest offset, all partitions split over --consumers
  e2e       produce at --rate msgs/s while consumers read; end-to-end latency percentiles
  raw       the physical limit: the broker's append statements straight into MariaDB (--db),
            then read back by primary-key range, 1000 rows per query
  workload  run an OpenMessaging Benchmark workload file (topics, rates, subscriptions,
            backlog; producerRate 0 finds the maximum rate); reports every --report-interval
            seconds and writes OMB's JSON result file (--output)

Progress goes to stderr every second; the run ends with one JSON summary line on stdout.
Exit status: 0 ok, 1 errors or missing messages, 2 bad usage or unsupported option.)";

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

bool usageError(const std::string& message, int* exit_code) {
  std::cerr << "mq-perf: error: " << message << " (see mq-perf --help)\n";
  *exit_code = 2;
  return false;
}

}  // namespace

bool parsePerfConfig(const std::vector<std::string>& args, PerfConfig* config, int* exit_code) {
  PerfConfig& c = *config;
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage << "\n\nRun `mq-perf MODE --help` for the options.\n";
    *exit_code = args.empty() ? 2 : 0;
    return false;
  }
  c.mode = args[0];
  if (c.mode != "produce" && c.mode != "consume" && c.mode != "e2e" && c.mode != "raw" &&
      c.mode != "workload") {
    return usageError(
        fmt::format("unknown mode `{}`: use produce, consume, e2e, raw or workload", c.mode),
        exit_code);
  }
  std::vector<std::string> argv_strings = args;
  if (c.mode == "workload" && args.size() > 1 && args[1].rfind("-", 0) != 0) {
    c.workload_file = args[1];
    argv_strings.erase(argv_strings.begin() + 1);
  }

  std::string brokers;
  std::string consumer_brokers;
  po::options_description options("Options");
  // clang-format off
  options.add_options()
    ("metaserver", po::value(&c.metaserver)->default_value(c.metaserver),
     "metaserver host:port (broker discovery, topic creation); '' for none")
    ("brokers", po::value(&brokers), "brokers host:port,... (fallback, or instead of a metaserver)")
    ("consumer-brokers", po::value(&consumer_brokers),
     "e2e: the only brokers the consumers use, host:port,... (default: as the producers)")
    ("token-file", po::value<std::string>(),
     "file with the access token to send (brokers with auth on; docs/security.md)")
    ("topic", po::value(&c.topic)->default_value(c.topic), "topic to use")
    ("partitions", po::value(&c.partitions)->default_value(0),
     "create the topic with this many partitions if it does not exist")
    ("message-size", po::value(&c.message_size)->default_value(c.message_size),
     "value bytes per message")
    ("count", po::value(&c.count)->default_value(0), "messages in total (0: use --duration)")
    ("duration", po::value(&c.duration_s)->default_value(0),
     "seconds to run (default 10 when --count is not given)")
    ("producers", po::value(&c.producers)->default_value(c.producers),
     "producer threads (each its own Producer); raw: connections, each into its own table")
    ("shared-producer", po::bool_switch(&c.shared_producer),
     "all producer threads share one Producer (one client with many threads)")
    ("consumers", po::value(&c.consumers)->default_value(c.consumers), "consumer threads")
    ("batch", po::value(&c.batch)->default_value(c.batch),
     "producer batch_size / consumer max_poll_messages / raw rows per INSERT")
    ("linger-ms", po::value(&c.linger_ms)->default_value(c.linger_ms), "producer linger_ms")
    ("fixed-linger", po::bool_switch(&c.fixed_linger),
     "producer adaptive_linger off: every batch waits linger_ms")
    ("send-via-sender", po::bool_switch(&c.send_via_sender),
     "producer send_on_caller off: a sync send() is sent by a sender thread")
    ("sync", po::bool_switch(&c.sync), "produce with send() (wait for each ack)")
    ("keyed", po::bool_switch(&c.keyed), "messages carry keys (spread by key hash)")
    ("idempotent", po::bool_switch(&c.idempotent), "idempotent producer (enable_idempotence)")
    ("max-in-flight", po::value(&c.max_in_flight)->default_value(c.max_in_flight),
     "producer max_in_flight_requests")
    ("buffer-messages", po::value(&c.buffer_messages)->default_value(c.buffer_messages),
     "producer buffer_messages")
    ("rate", po::value(&c.rate)->default_value(c.rate),
     "e2e: messages per second (all producers); raw: pace the transactions to this many "
     "rows per second (default: as fast as they go)")
    ("idle-timeout-ms", po::value(&c.idle_timeout_ms)->default_value(c.idle_timeout_ms),
     "consume/e2e: stop after this long without receiving a message")
    ("tables-per-txn", po::value(&c.tables_per_txn)->default_value(c.tables_per_txn),
     "raw: tables each transaction appends --batch rows to (a group commit across partitions)")
    ("tail-readers", po::value(&c.tail_readers)->default_value(c.tail_readers),
     "raw: connections that read the tables as they are written, woken at each commit; "
     "their latency from a row's planned write to its read is the database's end-to-end floor")
    ("db", po::value(&c.db), "raw: mysql://user:pass@host:port/scratch_db (created and dropped)")
    ("append", po::value(&c.raw_append)->default_value(c.raw_append),
     "raw: broker (the broker's append transaction), plain (the INSERT alone, no state row) "
     "one-trip (the broker's transaction in one multi-statement round trip) prepared (the "
     "plain INSERT as a prepared statement, one per row count) or prepared-chunks (one "
     "transaction of prepared INSERTs of power-of-two row counts)")
    ("report-interval", po::value(&c.report_interval_s)->default_value(c.report_interval_s),
     "workload: seconds per report line (OMB: 10)")
    ("output", po::value(&c.output),
     "workload: the JSON result file (default NAME-mq-DATE.json in the current folder)")
    ("json-only", po::bool_switch(&c.json_only), "print only the JSON summary line");
  // clang-format on
  addClientTlsOptions(options);

  std::vector<char*> argv;
  for (auto& arg : argv_strings) argv.push_back(arg.data());
  po::variables_map values;
  const std::string usage = fmt::format("usage: mq-perf {}{} [options]", c.mode,
                                        c.mode == "workload" ? " FILE.yaml" : "");
  if (!parseOptions(static_cast<int>(argv.size()), argv.data(), usage, options, values,
                    exit_code)) {
    return false;
  }
  c.brokers = splitList(brokers);
  c.consumer_brokers = splitList(consumer_brokers);
  c.raw_paced = c.mode == "raw" && !values["rate"].defaulted();
  try {
    c.tls = readClientTlsConfig(values);
  } catch (const std::invalid_argument& e) {
    return usageError(e.what(), exit_code);
  }
  if (values.count("token-file")) {
    try {
      c.token = readSecretFile("--token-file", values["token-file"].as<std::string>());
    } catch (const std::invalid_argument& e) {
      return usageError(e.what(), exit_code);
    }
  }

  if (c.metaserver.empty() && c.brokers.empty()) {
    if (c.mode != "raw") return usageError("give --metaserver or --brokers", exit_code);
  }
  if (c.message_size < 1) return usageError("--message-size must be >= 1", exit_code);
  if (c.count < 0) return usageError("--count must be >= 0", exit_code);
  if (c.duration_s < 0) return usageError("--duration must be >= 0", exit_code);
  if (c.count > 0 && c.duration_s > 0) {
    return usageError("give --count or --duration, not both", exit_code);
  }
  if (c.producers < 1 || c.producers > 1024) {
    return usageError("--producers must be 1..1024", exit_code);
  }
  if (c.consumers < 1 || c.consumers > 1024) {
    return usageError("--consumers must be 1..1024", exit_code);
  }
  if (c.batch < 1) return usageError("--batch must be >= 1", exit_code);
  if (c.linger_ms < 0) return usageError("--linger-ms must be >= 0", exit_code);
  if (c.partitions < 0) return usageError("--partitions must be >= 0", exit_code);
  if (c.rate <= 0) return usageError("--rate must be > 0", exit_code);
  if (c.raw_append != "broker" && c.raw_append != "plain" && c.raw_append != "one-trip" &&
      c.raw_append != "prepared" && c.raw_append != "prepared-chunks") {
    return usageError("--append must be broker, plain, prepared, prepared-chunks or one-trip",
                      exit_code);
  }
  if (c.tables_per_txn < 1 || c.tables_per_txn > 256) {
    return usageError("--tables-per-txn must be 1..256", exit_code);
  }
  if (c.tables_per_txn > 1 && c.raw_append != "broker" && c.raw_append != "one-trip") {
    return usageError("--tables-per-txn needs --append broker or one-trip", exit_code);
  }
  if (c.tail_readers < 0 || c.tail_readers > 256) {
    return usageError("--tail-readers must be 0..256", exit_code);
  }
  if (c.report_interval_s < 0.1 || c.report_interval_s > 3600) {
    return usageError("--report-interval must be 0.1..3600 seconds", exit_code);
  }
  if (c.mode == "workload") {
    if (c.workload_file.empty()) return usageError("workload needs a FILE.yaml", exit_code);
    if (c.metaserver.empty()) {
      return usageError("workload needs --metaserver (it creates its topics)", exit_code);
    }
  }
  if (c.mode == "raw" && c.db.empty()) {
    return usageError("raw needs --db mysql://user:pass@host:port/scratch_db", exit_code);
  }
  return true;
}

}  // namespace mq::perf
