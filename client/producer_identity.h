// The idempotent producer's identity and sequences (ProducerConfig.enable_idempotence).
//
// The producer calls Broker.initProducer once (lazily, at the first send) and gets a
// producer id and epoch; a named producer (producer_name) gets the same id back with the
// epoch bumped, which fences every older instance of that name. Each partition batch is
// stamped with the id, the epoch and a per-partition sequence: the sequence of its first
// message, the previous batch's plus its count. A retry is sent with the same stamp and the
// same messages, so the broker recognises it and writes it once.
//
// When the sequence of a partition can no longer be trusted — a batch failed although an
// attempt may have been stored, or the broker refused it as out of order — the identity is
// renewed before the next stamp: initProducer again (a new id, or for a named producer the
// same id with the next epoch), and every partition starts again at sequence 0. Batches
// stamped before keep their old stamp for their retries.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "client/cluster.h"
#include "client/record_accumulator.h"
#include "mq_types.h"

namespace mq::client {

// Broker.initProducer through `cluster` (retried on another broker while `deadline` allows).
// Throws Error: METADATA_UNAVAILABLE (retriable), INVALID_REQUEST, or transport errors.
rpc::InitProducerResponse initProducerId(Cluster& cluster,
                                         const std::optional<std::string>& producer_name,
                                         SteadyClock::time_point deadline);

class IdempotenceState {
 public:
  // `producer_name` empty: an anonymous producer (a new id per identity).
  IdempotenceState(Cluster& cluster, std::string producer_name);

  // Gives `batch` a stamp when it has none: the current identity (fetched first if there is
  // none yet or it must be renewed) and the partition's next sequence. Throws the Error of
  // initProducer (the batch stays unstamped), or Error(PRODUCER_FENCED) once fenced.
  void stamp(ProducerBatch& batch);

  // True when `batch` was stamped under an identity that has since been renewed.
  bool stale(const ProducerBatch& batch) const;

  // `batch` (stamped) failed for good and was not stored by any attempt: its sequences are
  // free again, so the partition's next batch takes them (only while nothing was stamped
  // after it on that partition, which holds with one batch per partition in flight).
  void release(const ProducerBatch& batch);

  // The broker's view of this identity's sequences may differ from ours (`batch` may have
  // been stored without our knowing, or was refused as out of order): renew the identity
  // before the next stamp. Only the identity that stamped `batch` is renewed, so many such
  // failures at once renew it once.
  void renewAfter(const ProducerBatch& batch);

  // A newer instance of this named producer took over: every later stamp throws
  // Error(PRODUCER_FENCED) with `message`.
  void fence(const std::string& message);
  // The fencing error, once fenced.
  std::optional<std::string> fencedMessage() const;

 private:
  Cluster& cluster_;
  const std::string name_;
  std::mutex init_mutex_;  // one initProducer at a time; never held with mutex_ waiting

  mutable std::mutex mutex_;  // guards everything below
  bool have_identity_ = false;
  bool renew_ = false;
  int64_t producer_id_ = 0;
  int16_t epoch_ = 0;
  uint64_t generation_ = 0;  // bumped with every identity
  std::map<TopicPartition, int32_t> next_sequence_;
  std::optional<std::string> fenced_;
};

}  // namespace mq::client
