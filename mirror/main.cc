// mq-mirror: copies chosen topics from a source cluster to a target cluster, exactly once per
// message, with offset-translation checkpoints (docs/multi-cluster.md). Runs until
// SIGTERM/SIGINT, then waits for the copies in flight and leaves its group; exits 1 when it
// cannot start or go on, 3 when the target refused a copy for good.
#include <atomic>
#include <iostream>
#include <memory>
#include <thread>

#include "common/log.h"
#include "common/shutdown_signal.h"
#include "mirror/mirror.h"
#include "mirror/mirror_config.h"
#include "server/metrics.h"

namespace {

int run(int argc, char** argv) {
  mq::ShutdownSignal shutdown;  // first: blocks SIGTERM/SIGINT in every later thread
  mq::po::options_description options("Mirror");
  mq::mirror::MirrorConfig::addOptions(options);
  mq::po::variables_map values;
  int exit_code = 0;
  if (!mq::parseOptions(argc, argv,
                        "mq-mirror: copies topics from a source mq cluster to a target cluster,\n"
                        "exactly once, keeping per-partition order (see docs/multi-cluster.md).\n"
                        "Usage: mq-mirror --source-metaserver H:P --target-metaserver H:P\n"
                        "                 (--topics T,... | --topic-prefixes P,...) "
                        "[--config FILE] [options]",
                        options, values, &exit_code)) {
    return exit_code;
  }
  mq::mirror::MirrorConfig config;
  try {
    config = mq::mirror::MirrorConfig::fromValues(values);
    mq::startLogging("mirror", config.log_level);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << " (see --help)\n";
    return 2;
  }

  std::unique_ptr<mq::MetricsEndpoint> endpoint;
  try {
    endpoint = std::make_unique<mq::MetricsEndpoint>(config.host, config.metrics_port);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  mq::mirror::Mirror mirror(config, endpoint->registry());
  std::atomic<int> result{0};
  std::thread worker([&] {
    try {
      mirror.run();
    } catch (const std::exception& e) {
      mq::logError("mirror failed").kv("error", e.what());
      std::cerr << "error: " << e.what() << "\n";
      result = 1;
    }
    shutdown.request();
  });
  int signal = shutdown.wait();
  if (signal != 0) mq::logInfo("mirror shutting down").kv("signal", signal);
  mirror.stop();
  worker.join();
  return result;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
