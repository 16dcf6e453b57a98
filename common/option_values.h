// Reading and checking option values, written once for every daemon and tool (broker,
// metaserver, outbox relay): a duration option in a range, a number in a range, and the
// duration text --help shows as a default. The syntax of a duration is parseDurationMs's
// (common/options.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/options.h"

namespace mq {

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
