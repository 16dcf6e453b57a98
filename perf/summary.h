// The one-line JSON summary every mq-perf run ends with, and the JSON builder behind it.
//
// Standard fields (every mode): mode, messages, errors, seconds, messages_per_sec,
// mb_per_sec (MiB of message values per second), p50_ms, p99_ms, p999_ms, max_ms, latency
// (what the percentiles measure), client_cpu_seconds (user + system CPU of mq-perf) and
// settings (the PerfConfig used). Modes add their own fields beside them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "client/histogram.h"
#include "mq/producer.h"
#include "perf/perf_config.h"

namespace mq::perf {

// One JSON object, built field by field; keys are written in the order they are added.
class JsonLine {
 public:
  JsonLine& number(std::string_view key, int64_t value);
  // Finite values with up to 3 decimals; NaN and infinities become null.
  JsonLine& real(std::string_view key, double value);
  JsonLine& boolean(std::string_view key, bool value);
  JsonLine& text(std::string_view key, std::string_view value);
  JsonLine& object(std::string_view key, const JsonLine& value);
  // An array of numbers, each written like real().
  JsonLine& reals(std::string_view key, const std::vector<double>& values);

  // "{...}" without a newline.
  std::string str() const { return "{" + body_ + "}"; }

 private:
  void key(std::string_view name);
  std::string body_;
};

struct Summary {
  std::string mode;
  int64_t messages = 0;          // messages completed (acknowledged, received, inserted)
  int64_t errors = 0;            // failed messages or calls; see the mode's documentation
  int64_t bytes = 0;             // value bytes of `messages`
  double seconds = 0;            // the measured interval
  client::Histogram latency_us;  // microseconds
  std::string latency;           // what latency_us measures, e.g. "send_to_ack"
};

// The standard fields of `summary`, ready for the mode's own fields.
JsonLine summaryJson(const Summary& summary);
// {"buffered": {...}, "request": {...}}: a Producer's stages in milliseconds.
JsonLine stagesJson(const client::ProducerStages& stages);
// Every field of `config` under its command-line name (dashes become underscores).
JsonLine settingsJson(const PerfConfig& config);

// User + system CPU time of this process so far (client_cpu_seconds).
double processCpuSeconds();

// Writes `line` and a newline to stdout and flushes: the run's one summary line.
void printSummaryLine(const JsonLine& line);

}  // namespace mq::perf
