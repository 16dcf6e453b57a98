// An OpenMessaging Benchmark (OMB) workload: the fields of OMB's workload files
// (workloads/*.yaml in openmessaging/benchmark) that `mq-perf workload FILE` runs, and the
// parser of those files.
//
// OMB workload files are YAML with flat `key: value` lines. The parser takes exactly that
// subset: one `key: value` per line, `#` comments, blank lines, values optionally in double
// or single quotes. Anything else (an unknown key, a key given twice, a nested or list
// value, a value of the wrong type or out of range) is refused with a message that names the
// line and the key, so a typo never runs a different benchmark than the one written down.
#pragma once

#include <cstdint>
#include <string>

namespace mq::perf {

// How producers pick message keys (OMB's KeyDistributorType).
enum class KeyDistributor {
  kNoKey,          // NO_KEY: no key; the client spreads messages over partitions
  kKeyRoundRobin,  // KEY_ROUND_ROBIN: cycles through 10,000 random keys
  kRandomNano,     // RANDOM_NANO: one of the 10,000 keys chosen by the nanosecond clock
};

// The OMB name of `distributor` ("NO_KEY", ...).
const char* keyDistributorName(KeyDistributor distributor);

struct WorkloadSpec {
  std::string name;              // required: shown in the report and the result file
  int topics = 0;                // required, 1..1000: topics created for the run
  int partitions_per_topic = 0;  // required (partitionsPerTopic), 1..10000
  int message_size = 0;          // required (messageSize), bytes per message value, 1..1 MiB
  // payloadFile: the message value, read from this file (relative paths are taken from the
  // workload file's folder); its size must equal messageSize. Empty: random bytes.
  std::string payload_file;
  KeyDistributor key_distributor = KeyDistributor::kNoKey;  // keyDistributor
  int subscriptions_per_topic = 0;    // required (subscriptionsPerTopic), 1..100
  int producers_per_topic = 0;        // required (producersPerTopic), 1..100
  int consumer_per_subscription = 0;  // required (consumerPerSubscription), 1..100
  // producerRate: messages per second over all producers of all topics; 0 = find the
  // maximum sustainable rate with OMB's rate controller (perf/rate_controller.h).
  double producer_rate = 0;  // required
  // consumerBacklogSizeGB: > 0 pauses the consumers until this much (GiB, all
  // subscriptions) is stored unread, then times the drain while producers go on. mq-perf
  // accepts fractions (OMB only whole GiB) so that a backlog fits a small machine.
  double consumer_backlog_size_gb = 0;
  // testDurationMinutes (required, > 0) and warmupDurationMinutes (OMB's default 1; 0 = no
  // warm-up). mq-perf accepts fractions of a minute (OMB only whole minutes).
  double test_duration_minutes = 0;
  double warmup_duration_minutes = 1;
};

// Parses the text of a workload file into *spec. `base_dir` is the folder relative payload
// file paths are resolved from ("" = the current folder). Returns "" on success, else the
// error: "line 7: unknown key `partitionPerTopic`", "missing required key `topics`", ...
// Does not read the payload file.
std::string parseWorkloadSpec(const std::string& text, const std::string& base_dir,
                              WorkloadSpec* spec);

// Reads and parses the workload file at `path` (payload paths relative to its folder).
// Returns "" on success, else the error, prefixed with the path.
std::string loadWorkloadSpec(const std::string& path, WorkloadSpec* spec);

// The message value of `spec`: the payload file's bytes (whose size must be messageSize,
// as OMB requires), or messageSize random bytes (all 256 values) without one. Returns "" on
// success, else the error.
std::string loadWorkloadPayload(const WorkloadSpec& spec, std::string* payload);

}  // namespace mq::perf
