// The metaserver's Prometheus metrics (served on /metrics next to the process_* ones):
//   mq_meta_rpc_requests_total{method,code}  RPCs answered; code is the ErrorCode name
//                                            (NONE for success)
//   mq_meta_rpc_duration_seconds{method}     RPC latency histogram
//   mq_meta_topics                           topics in the metadata database
//   mq_meta_live_brokers                     brokers with a recent heartbeat
// Thread-safe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

#include "common/errors.h"

namespace mq {

class MetaMetrics {
 public:
  explicit MetaMetrics(prometheus::Registry& registry);

  void observeRpc(const std::string& method, ErrorCode code, double seconds);
  void setTopics(double count) { topics_.Set(count); }
  void setLiveBrokers(double count) { live_brokers_.Set(count); }

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  prometheus::Gauge& topics_;
  prometheus::Gauge& live_brokers_;
};

}  // namespace mq
