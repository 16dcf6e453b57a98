// mq-perf: the benchmark tool for mq (produce, consume, end-to-end latency, the raw
// database limit, and OpenMessaging Benchmark workloads). Run `mq-perf --help`; docs/perf.md
// describes the standard suite.
#include <cppconn/exception.h>

#include <iostream>
#include <string>
#include <vector>

#include "common/log.h"
#include "mq/client.h"
#include "perf/consume_bench.h"
#include "perf/e2e_bench.h"
#include "perf/perf_config.h"
#include "perf/produce_bench.h"
#include "perf/raw_bench.h"
#include "perf/workload_bench.h"

int main(int argc, char** argv) {
  using namespace mq::perf;
  mq::setLogComponent("mq-perf");
  mq::setLogLevel(mq::LogLevel::kWarn);  // the client's info lines would drown the progress
  PerfConfig config;
  int exit_code = 0;
  if (!parsePerfConfig(std::vector<std::string>(argv + 1, argv + argc), &config, &exit_code)) {
    return exit_code;
  }
  try {
    if (config.mode == "produce") return runProduce(config);
    if (config.mode == "consume") return runConsume(config);
    if (config.mode == "e2e") return runE2e(config);
    if (config.mode == "workload") return runWorkload(config);
    return runRaw(config);
  } catch (const mq::client::Error& e) {
    std::cerr << "mq-perf: error: " << e.codeName() << ": " << e.what() << "\n";
  } catch (const sql::SQLException& e) {
    std::cerr << "mq-perf: error: database: " << e.what() << " (error " << e.getErrorCode()
              << ")\n";
  } catch (const std::exception& e) {
    std::cerr << "mq-perf: error: " << e.what() << "\n";
  }
  return 1;
}
