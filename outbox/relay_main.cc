// mq-outbox-relay: publishes the events applications write into their outbox tables, exactly
// once and in per-key order (docs/outbox.md). Runs until SIGTERM/SIGINT, then finishes what
// it claimed; exits 1 when it is fenced by a newer instance of its name or cannot work.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "common/log.h"
#include "common/shutdown_signal.h"
#include "outbox/relay_config.h"
#include "outbox/relay_metrics.h"
#include "server/metrics.h"

namespace {

// Exit code of the crash test hook (MQ_OUTBOX_TEST_EXIT_AFTER_PUBLISH).
constexpr int kTestCrashExit = 86;

int run(int argc, char** argv) {
  mq::ShutdownSignal shutdown;  // first: blocks SIGTERM/SIGINT in every later thread
  mq::po::options_description options("Outbox relay");
  mq::RelayDaemonConfig::addOptions(options);
  mq::po::variables_map values;
  int exit_code = 0;
  if (!mq::parseOptions(argc, argv,
                        "mq-outbox-relay: publishes an application's outbox table to mq topics,\n"
                        "exactly once and in per-key order (see docs/outbox.md).\n"
                        "Usage: mq-outbox-relay --name NAME --app-db mysql://... "
                        "(--metaserver H:P | --brokers H:P,...) [--config FILE] [options]",
                        options, values, &exit_code)) {
    return exit_code;
  }
  mq::RelayDaemonConfig config;
  try {
    config = mq::RelayDaemonConfig::fromValues(values);
    mq::startLogging("outbox-relay", config.log_level);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << " (see --help)\n";
    return 2;
  }

  // Test hook: exit at once (no cleanup, like kill -9) after the N-th claim was published
  // and before its rows are deleted: the window an exactly-once relay must survive.
  if (const char* after = std::getenv("MQ_OUTBOX_TEST_EXIT_AFTER_PUBLISH")) {
    const long limit = std::atol(after);
    auto published = std::make_shared<std::atomic<long>>(0);
    config.relay.after_publish_hook = [limit, published] {
      if (++*published >= limit) _exit(kTestCrashExit);
    };
  }

  std::unique_ptr<mq::MetricsEndpoint> endpoint;
  std::unique_ptr<mq::OutboxRelay> relay;
  try {
    endpoint = std::make_unique<mq::MetricsEndpoint>(config.host, config.metrics_port);
    relay = std::make_unique<mq::OutboxRelay>(config.relay);
    relay->start();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  mq::RelayMetrics metrics(endpoint->registry(), config.relay.name);
  mq::logInfo("outbox relay running")
      .kv("name", config.relay.name)
      .kv("metrics_port", config.metrics_port);

  // Refreshes the metrics and ends the wait below if the relay stops by itself.
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done) {
      bool stopped = relay->waitStopped(std::chrono::milliseconds(1000));
      metrics.update(relay->stats());
      if (stopped) {
        shutdown.request();
        return;
      }
    }
  });
  int signal = shutdown.wait();
  mq::logInfo("outbox relay shutting down").kv("signal", signal);
  relay->stop();
  done = true;
  watcher.join();
  metrics.update(relay->stats());
  if (auto failure = relay->failure()) {
    std::cerr << "error: " << failure->what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
