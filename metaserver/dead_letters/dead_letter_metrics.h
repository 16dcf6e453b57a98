// Metrics of consumer groups' failed messages (docs/metrics.md, docs/dead-letters.md),
// sampled from the retry and dead-letter topics' partition bounds every 10 s on its own
// thread (DeadLetterService::list: one bounds query per datanode), so a scrape never waits
// on a database:
//   mq_retries_total{group,topic}                retries scheduled: messages written to the
//                                                group's retry topic of `topic`
//   mq_dead_lettered_messages_total{group,topic} messages written to its dead-letter topic
//   mq_dead_letter_backlog{group,topic}          dead letters stored now (not purged or
//                                                expired)
// The counters grow by what the log end offsets grew since the last sample (they start at
// the full count in a fresh metaserver, as counters do after a restart).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "metaserver/dead_letters/dead_letter_service.h"
#include "metaserver/periodic_task.h"

namespace mq {

class DeadLetterMetrics {
 public:
  DeadLetterMetrics(DeadLetterService& dead_letters, prometheus::Registry& registry);

  void start() { task_.start(); }
  void stop() { task_.stop(); }

  // One sample. Throws on metadata database errors. Not thread-safe (the task's thread).
  void sampleOnce();

 private:
  using Pair = std::pair<std::string, std::string>;  // group, topic
  struct Seen {
    int64_t retried = 0;
    int64_t dead_lettered = 0;
  };

  DeadLetterService& dead_letters_;
  prometheus::Family<prometheus::Counter>& retries_;
  prometheus::Family<prometheus::Counter>& dead_lettered_;
  prometheus::Family<prometheus::Gauge>& backlog_;
  std::map<Pair, Seen> seen_;
  PeriodicTask task_;
};

}  // namespace mq
