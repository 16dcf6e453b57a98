#include "metaserver/lag/webhook_notifier.h"

#include <algorithm>

#include "common/log.h"
#include "common/thread_name.h"
#include "server/http_client.h"

namespace mq {
namespace {

constexpr int64_t kMaxBackoffMs = 60000;

}  // namespace

prometheus::Family<prometheus::Counter>& notificationsFamily(prometheus::Registry& registry) {
  return prometheus::BuildCounter()
      .Name("mq_alert_notifications_total")
      .Help(
          "Alert webhook notifications finished, by result: delivered, or dropped after "
          "every attempt failed or because the queue was full.")
      .Register(registry);
}

WebhookNotifier::WebhookNotifier(WebhookOptions options, prometheus::Registry& registry)
    : options_(options),
      delivered_(notificationsFamily(registry).Add({{"result", "delivered"}})),
      dropped_(notificationsFamily(registry).Add({{"result", "dropped"}})),
      failures_(prometheus::BuildCounter()
                    .Name("mq_alert_webhook_failures_total")
                    .Help("Alert webhook POSTs that failed (no connection, timeout or a "
                          "status other than 2xx); each retry counts.")
                    .Register(registry)
                    .Add({})) {}

WebhookNotifier::~WebhookNotifier() { stop(); }

void WebhookNotifier::start() {
  thread_ = std::thread([this] {
    nameThisThread("lag-webhooks");
    loop();
  });
}

void WebhookNotifier::stop() {
  size_t left = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    left = queue_.size();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (left > 0) logWarn("alert notifications dropped at shutdown").kv("count", left);
}

void WebhookNotifier::notify(const std::string& url, std::string json, std::string what) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue_.size() >= options_.max_queued) {
      dropped_.Increment();
      logWarn("alert notification dropped: queue full").kv("what", what).kv("url", url);
      return;
    }
    queue_.emplace(SteadyClock::now(), Delivery{url, std::move(json), std::move(what), 0});
  }
  wake_.notify_all();
}

size_t WebhookNotifier::pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

std::string WebhookNotifier::post(const Delivery& delivery) {
  std::string problem;
  auto url = HttpUrl::parse(delivery.url, &problem);
  if (!url) return problem;
  try {
    auto response =
        httpRequest("POST", *url, delivery.json, "application/json", options_.timeout_ms);
    if (response.status >= 200 && response.status < 300) return "";
    return "HTTP status " + std::to_string(response.status);
  } catch (const std::exception& e) {
    return e.what();
  }
}

void WebhookNotifier::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (queue_.empty()) {
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      continue;
    }
    auto due = queue_.begin()->first;
    if (due > SteadyClock::now()) {
      wake_.wait_until(lock, due);
      continue;
    }
    Delivery delivery = std::move(queue_.begin()->second);
    queue_.erase(queue_.begin());
    lock.unlock();

    delivery.attempts++;
    const std::string problem = post(delivery);
    if (problem.empty()) {
      delivered_.Increment();
      logInfo("alert notification delivered")
          .kv("what", delivery.what)
          .kv("url", delivery.url)
          .kv("attempts", delivery.attempts);
      lock.lock();
      continue;
    }
    failures_.Increment();
    if (delivery.attempts >= options_.attempts) {
      dropped_.Increment();
      logWarn("alert notification dropped after every attempt failed")
          .kv("what", delivery.what)
          .kv("url", delivery.url)
          .kv("attempts", delivery.attempts)
          .kv("error", problem);
      lock.lock();
      continue;
    }
    int64_t backoff = options_.backoff_ms;
    for (int i = 1; i < delivery.attempts && backoff < kMaxBackoffMs; ++i) backoff *= 2;
    backoff = std::min(backoff, kMaxBackoffMs);
    logWarn("alert notification failed; will retry")
        .kv("what", delivery.what)
        .kv("url", delivery.url)
        .kv("attempt", delivery.attempts)
        .kv("retry_in_ms", backoff)
        .kv("error", problem);
    lock.lock();
    queue_.emplace(SteadyClock::now() + std::chrono::milliseconds(backoff), std::move(delivery));
  }
}

}  // namespace mq
