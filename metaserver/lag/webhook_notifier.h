// Delivers alert notifications: an HTTP POST of a JSON document to a rule's webhook URL, on
// a thread of its own so the lag collector never waits for a receiver. A delivery that fails
// (no connection, timeout, a status other than 2xx) is retried with exponential backoff
// (backoff, 2 x backoff, ... at most 60 s) up to `attempts` times, then dropped with a
// warning. Metrics:
//   mq_alert_notifications_total{result}   notifications finished: delivered, dropped
//   mq_alert_webhook_failures_total        POSTs that failed (each attempt)
// Thread-safe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"

namespace mq {

struct WebhookOptions {
  int timeout_ms = 5000;      // per POST: connect, send and read the response
  int attempts = 6;           // POSTs per notification before it is dropped
  int64_t backoff_ms = 1000;  // wait before the first retry; doubles, at most 60 s
  size_t max_queued = 10000;  // notifications waiting; more are dropped at once
};

class WebhookNotifier {
 public:
  WebhookNotifier(WebhookOptions options, prometheus::Registry& registry);
  ~WebhookNotifier();  // stop()

  void start();
  // Stops the thread; notifications still queued are dropped (logged). Idempotent.
  void stop();

  // Queues a POST of `json` to `url` (http://...). Never blocks on the network.
  // `what` names the notification in log lines ("alert `a` firing").
  void notify(const std::string& url, std::string json, std::string what);

  // Notifications queued or waiting for a retry.
  size_t pending() const;

 private:
  struct Delivery {
    std::string url;
    std::string json;
    std::string what;
    int attempts = 0;
  };
  void loop();
  // One POST; returns "" on success or what went wrong.
  std::string post(const Delivery& delivery);

  const WebhookOptions options_;
  prometheus::Counter& delivered_;
  prometheus::Counter& dropped_;
  prometheus::Counter& failures_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::multimap<SteadyClock::time_point, Delivery> queue_;  // by next attempt time
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace mq
