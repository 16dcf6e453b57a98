#include "tests/harness/metrics_scrape.h"

#include <fmt/format.h>

#include <regex>
#include <thread>

#include "server/http_client.h"

namespace mq::test {

double metricSum(int port, const std::string& name, const std::vector<std::string>& labels) {
  std::string problem;
  auto url = HttpUrl::parse(fmt::format("http://127.0.0.1:{}/metrics", port), &problem);
  const std::string body = httpRequest("GET", *url).body;
  double total = 0;
  const std::regex line("(?:^|\n)" + name + R"((\{([^}]*)\})? ([-0-9.e+]+))");
  for (std::sregex_iterator it(body.begin(), body.end(), line), end; it != end; ++it) {
    const std::string found = (*it)[2];
    bool all = true;
    for (const auto& label : labels) all = all && found.find(label) != std::string::npos;
    if (all) total += std::stod((*it)[3]);
  }
  return total;
}

bool waitForMetricSum(int port, const std::string& name, double value,
                      std::chrono::milliseconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (metricSum(port, name) != value) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

}  // namespace mq::test
