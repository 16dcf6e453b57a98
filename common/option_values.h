// Reading and checking option values, written once for every daemon and tool (broker,
// metaserver, outbox relay) and for every row of an option table (common/option_table.h):
// durations, sizes, numbers, switches and choices in a range, and their text as --help and the
// docs show it. The syntax of a duration is parseDurationMs's, of a size parseBytes's
// (common/options.h). Every reader throws std::invalid_argument "--NAME must be ..., got `TEXT`".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/options.h"

namespace mq {

// `bytes` in the largest binary unit that divides it: "8MiB", "64KiB", "1000" (what parseBytes
// reads back).
std::string formatSizeOption(int64_t bytes);

// "1..65535"; "0.." when max is INT64_MAX.
std::string numberRangeText(int64_t min, int64_t max);
// "100ms..1h"; "1ms.." when max_ms is INT64_MAX.
std::string durationRangeText(int64_t min_ms, int64_t max_ms);

// The value of option `name` given as `text`, checked against its range or choices.
int64_t numberOptionValue(const std::string& name, const std::string& text, int64_t min,
                          int64_t max);
int64_t bytesOptionValue(const std::string& name, const std::string& text, int64_t min,
                         int64_t max);
int64_t durationOptionValue(const std::string& name, const std::string& text, int64_t min_ms,
                            int64_t max_ms);
std::string choiceOptionValue(const std::string& name, const std::string& text,
                              const std::vector<std::string>& choices);
// "on"/"off" (also true/false, 1/0, yes/no).
bool parseSwitch(const std::string& name, const std::string& text);

// `ms` in the largest unit that divides it: "7d", "12h", "5m", "30s", "250ms" (what
// parseDurationMs reads back); for the defaults shown by --help.
std::string formatDurationMs(int64_t ms);

// A duration option's value (registered as po::value<std::string>()): its milliseconds, or
// `fallback` when the option is absent. Throws std::invalid_argument naming the option, the
// range and the text when it is not a duration in [min_ms, max_ms].
int64_t durationOptionMs(const po::variables_map& values, const std::string& name, int64_t fallback,
                         int64_t min_ms, int64_t max_ms);
// The same for a duration that must be positive (at least 1 ms, no upper bound).
int64_t durationOptionMs(const po::variables_map& values, const std::string& name,
                         int64_t fallback);

// A comma-separated list option ("a, b,c"): its items with surrounding blanks removed, empty
// items dropped.
std::vector<std::string> listOptionValue(const std::string& text);

// Throws std::invalid_argument "--NAME must be between LOW and HIGH (got VALUE)" unless
// low <= value <= high.
void checkOptionRange(const std::string& name, int64_t value, int64_t low, int64_t high);

}  // namespace mq
