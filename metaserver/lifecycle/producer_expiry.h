// Expires idle idempotent producer ids, like Kafka's producer id expiration: a producer id
// that appended nothing for producer-id-expiration (7 days by default) loses its state rows
// on every datanode (mq_producer_state) and its metadata row (producers), so neither table
// grows for ever. A producer that comes back afterwards is answered UNKNOWN_PRODUCER_ID and
// gets a new id (the client and the outbox relay do that by themselves). A metadata row goes
// only when no datanode has a newer state row for it and it was not (re)initialised within
// the period, and only in a run that reached every datanode. Rows of a dropped partition go
// with its table (PartitionStore::dropPartition).
//
// Run by the retention cleaner (which holds the cluster-wide lease) at most every quarter
// of the period and at most every 10 minutes: one scan of each datanode's state table and
// one indexless scan of the producers table per run.
#pragma once

#include <cstdint>

#include "metaserver/datanodes/datanode_registry.h"
#include "storage/meta_store.h"

namespace mq {

struct ProducerExpiryResult {
  bool ran = false;
  int64_t state_rows_deleted = 0;  // mq_producer_state rows, all datanodes
  int64_t producers_deleted = 0;   // metadata producers rows
  bool every_datanode = true;      // false: some datanode failed; no metadata row deleted
};

class ProducerExpiry {
 public:
  ProducerExpiry(int64_t expiration_ms, MetaStore& meta, DatanodeRegistry& datanodes)
      : expiration_ms_(expiration_ms), meta_(meta), datanodes_(datanodes) {}

  // Expires what was idle longer than the period before `now_ms`, when a run is due.
  ProducerExpiryResult maybeRun(int64_t now_ms);

 private:
  const int64_t expiration_ms_;
  MetaStore& meta_;
  DatanodeRegistry& datanodes_;
  int64_t last_run_ms_ = 0;
};

}  // namespace mq
