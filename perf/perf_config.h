// mq-perf's settings: one struct, every field with its default and meaning, filled from the
// command line (`mq-perf MODE --flag value ...`). The same names appear in the JSON summary's
// "settings" object and in docs/perf.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "client/include/mq/tls_config.h"

namespace mq::perf {

// Longest single poll() of mq-perf's consumers: bounds how late a thread notices the end of
// the run.
constexpr auto kPollTimeout = std::chrono::milliseconds(100);

struct PerfConfig {
  std::string mode;                           // produce | consume | e2e | raw | workload
  std::string metaserver = "127.0.0.1:9100";  // discovers brokers; creates topics
  std::vector<std::string> brokers;           // "host:port" list; fallback or alternative
  // e2e: the only brokers the consumers use (no metaserver discovery); empty: as producers.
  std::vector<std::string> consumer_brokers;
  std::string token;  // access token (read from --token-file)
  TlsConfig tls;      // --tls, --tls-ca, ... (docs/security.md#tls)
  std::string topic = "mq-perf";
  int partitions = 0;            // > 0: create the topic with this many partitions if missing
  int message_size = 1024;       // value bytes per message
  int64_t count = 0;             // messages in total (all threads); 0 = run for `duration_s`
  double duration_s = 0;         // seconds; 10 when neither count nor duration is given
  int producers = 1;             // producer threads, each with its own Producer (connections)
  bool shared_producer = false;  // produce/e2e: all producer threads share one Producer
  int consumers = 1;             // consumer threads, each with its own Consumer
  int batch = 500;               // producer batch_size; consumer max_poll_messages; raw rows/INSERT
  int64_t linger_ms = 5;         // producer linger_ms
  bool fixed_linger = false;     // producer adaptive_linger off
  bool send_via_sender = false;  // producer send_on_caller off
  bool sync = false;             // produce: send() and wait per message instead of sendAsync
  bool keyed = false;            // produce: messages carry a key (spread by hash), else keyless
  bool idempotent = false;       // produce/e2e: enable_idempotence (exit 2 if the client lacks it)
  int max_in_flight = 4;         // producer max_in_flight_requests
  int64_t buffer_messages = 100000;  // producer buffer_messages (bounds async send->ack latency)
  double rate = 1000;                // e2e: messages per second over all producers (paced)
  bool raw_paced = false;  // raw with --rate given: transactions paced to `rate` rows/s in all
  int64_t idle_timeout_ms = 10000;  // consume/e2e: give up after this long without a message
  std::string db;  // raw: mysql://user:pass@host:port/scratch_db (created, dropped)
  // raw: how each batch is appended: "broker" (PartitionStore::append, what the broker runs),
  // "plain" (the multi-row INSERT alone, autocommitted: no state row), or "one-trip" (the
  // broker's transaction sent as one multi-statement round trip).
  std::string raw_append = "broker";
  // raw: tables (partitions) each transaction appends --batch rows to; each connection has
  // its own. > 1 measures a group commit across partitions (one COMMIT for several).
  int tables_per_txn = 1;
  // raw: connections that read the tables while they are written, woken in-process after
  // each commit; they time each row from its transaction's planned start (perf/raw_tail.h).
  int tail_readers = 0;
  bool json_only = false;  // only the JSON summary line (no progress on stderr)
  // workload: the OpenMessaging Benchmark workload file (`mq-perf workload FILE`), the
  // seconds per report window (OMB: 10), and the result file ("" = NAME-mq-DATE.json in the
  // current folder, NAME the workload file's name without .yaml).
  std::string workload_file;
  double report_interval_s = 10;
  std::string output;

  // True when the run is bounded by `count` rather than by time.
  bool byCount() const { return count > 0; }
  // The run's time bound in seconds (only meaningful when !byCount()).
  double durationOrDefault() const { return duration_s > 0 ? duration_s : 10.0; }
};

// Parses `mq-perf MODE [flags]` (args without the program name). Returns true when the run
// should go on; otherwise *exit_code is 0 (after --help) or 2 (bad usage, message on stderr).
bool parsePerfConfig(const std::vector<std::string>& args, PerfConfig* config, int* exit_code);

}  // namespace mq::perf
