// Reading a daemon's Prometheus /metrics in integration tests.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace mq::test {

// The sum of the samples of metric `name` on 127.0.0.1:`port`/metrics whose labels contain
// every `labels` text (e.g. R"(reason="missing_token")"); samples without labels count when
// `labels` is empty. 0 when there is none.
double metricSum(int port, const std::string& name, const std::vector<std::string>& labels = {});

// Polls metricSum(port, name) every 50 ms until it equals `value`; false after `patience`.
bool waitForMetricSum(int port, const std::string& name, double value,
                      std::chrono::milliseconds patience = std::chrono::seconds(10));

}  // namespace mq::test
