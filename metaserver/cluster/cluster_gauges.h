// Samples the cluster-wide gauges of MetaMetrics (mq_meta_topics, mq_meta_live_brokers)
// from the metadata database every few seconds on its own thread, so a scrape of /metrics
// never waits on the database. The topic count is re-read only when the topology version
// changed. The live brokers read go to KnownBrokers too (what listBrokers answers while the
// database is down).
#pragma once

#include <cstdint>

#include "metaserver/cluster/known_brokers.h"
#include "metaserver/meta_metrics.h"
#include "metaserver/periodic_task.h"
#include "storage/meta_store.h"

namespace mq {

class ClusterGauges {
 public:
  ClusterGauges(MetaStore& meta, MetaMetrics& metrics, KnownBrokers& brokers);

  void start() { task_.start(); }
  void stop() { task_.stop(); }

  // One sample. Throws sql::SQLException. Not thread-safe (the task's thread calls it).
  void sampleOnce();

 private:
  MetaStore& meta_;
  MetaMetrics& metrics_;
  KnownBrokers& brokers_;
  int64_t seen_version_ = -1;
  PeriodicTask task_;
};

}  // namespace mq
