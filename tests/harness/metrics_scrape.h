// Reading a daemon's Prometheus /metrics in integration tests.
#pragma once

#include <string>
#include <vector>

namespace mq::test {

// The sum of the samples of metric `name` on 127.0.0.1:`port`/metrics whose labels contain
// every `labels` text (e.g. R"(reason="missing_token")"); samples without labels count when
// `labels` is empty. 0 when there is none.
double metricSum(int port, const std::string& name, const std::vector<std::string>& labels = {});

}  // namespace mq::test
