// The producer's bounded buffer: messages accepted by send/sendAsync wait here, grouped
// per partition, until a sender thread takes them as a batch; they keep their buffer space
// until they are acknowledged or failed for good, so the bound covers in-flight messages.
//
// Back-pressure, never loss: append() blocks while the buffer is full and, after
// max_block, throws without having added anything. Nothing in here ever discards a record.
//
// Ordering: at most one batch per partition is out at a time; a batch handed back for a
// retry goes to the head of its partition and is taken before anything appended later.
// A batch sent by an idempotent producer (stamped) comes back exactly as it was: the same
// records, so the broker recognises the retry by its sequence.
//
// Pure logic (no I/O, no threads of its own); thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "client/record_queue.h"
#include "client/unfinished_sequences.h"
#include "common/clock.h"
#include "mq/client.h"
#include "mq_types.h"

namespace mq::client {

// One accepted message and what the sender needs to deliver and report it.
struct PendingRecord {
  rpc::Message message;
  size_t bytes = 0;                 // key + value + header bytes
  SteadyClock::time_point created;  // when it was accepted (linger, delivery timeout)
  uint64_t sequence = 0;            // acceptance order, set by append()
  int failures = 0;                 // failed attempts so far
  bool metadata_refreshed = false;  // an UNKNOWN_TOPIC/PARTITION answer already refreshed
  // Keyless and without an explicit partition: may move to another partition when its
  // partition's datanode is unavailable.
  bool movable = false;
  Producer::Callback callback;
};

// The idempotent producer's identity and sequence a batch was sent with. Set at the first
// send and kept for every retry.
struct BatchStamp {
  int64_t producer_id = 0;
  int16_t epoch = 0;
  int32_t base_sequence = 0;  // sequence of the batch's first record
  uint64_t generation = 0;    // which identity of the producer (IdempotenceState) issued it
};

// Records of one partition taken together; sent as one PartitionBatch.
struct ProducerBatch {
  TopicPartition partition;
  std::vector<PendingRecord> records;
  size_t bytes = 0;
  std::optional<BatchStamp> stamp;  // idempotent producer only
  // An attempt may have been stored although no success came back (the reply was lost, or
  // the broker answered with a retriable error that a failed COMMIT can cause).
  bool maybe_written = false;
};

struct AccumulatorLimits {
  size_t buffer_messages = 100000;
  size_t buffer_bytes = 64 << 20;
  size_t batch_messages = 500;
  size_t batch_bytes = 1 << 20;
  std::chrono::milliseconds linger{5};
  // Adaptive linger: while all `senders` wait in awaitReady (no request in flight), a
  // partition's records are ready at once; linger applies while a request is out.
  bool adaptive_linger = false;
  size_t senders = 1;
};

// What append() did with a record.
struct Appended {
  uint64_t sequence = 0;  // the record's acceptance order
  // It completed another full batch in its partition's queue (the queue's records reached a
  // multiple of batch_messages, or its bytes crossed a multiple of batch_bytes): records
  // added there next would start a batch that waits behind it.
  bool batch_full = false;
};

class RecordAccumulator {
 public:
  explicit RecordAccumulator(AccumulatorLimits limits);

  // Adds `record` to `partition`'s queue and says so (Appended). While the buffer
  // is full (buffer_messages records, or buffer_bytes bytes with at least one record
  // buffered) it waits up to max_block for space; with may_block false it does not wait.
  // Throws Error(TIMEOUT, retriable) when there is still no space, Error(SHUTTING_DOWN)
  // after close(); in both cases nothing was added. With `expedite` the record is ready at
  // once (as expedite(its sequence), under the same lock: one sender wake-up, not two).
  // With `caller_sends` no sender is woken: the caller drains the record itself
  // (drainReady) and calls wakeSender() if it could not.
  Appended append(const TopicPartition& partition, PendingRecord record,
                  std::chrono::milliseconds max_block, bool may_block = true, bool expedite = false,
                  bool caller_sends = false);

  // Wakes one sender waiting in awaitReady, to re-plan.
  void wakeSender();

  // Waits until a batch is ready, `wake_by` passes, or the accumulator is finished(), then
  // takes ready batches (see drainReady). Concurrent callers share the ready batches: each
  // takes about (ready partitions / waiting callers), so several requests can be built in
  // parallel. An empty result means nothing was ready in time.
  std::vector<ProducerBatch> awaitReady(SteadyClock::time_point wake_by, size_t max_bytes);

  // Takes up to `max_batches` batches that are ready at `now`, of at most max_bytes in total
  // (at least one batch). A partition is ready when it has no batch out, is not backing off,
  // and its records fill a batch (batch_messages or batch_bytes), or its oldest record has
  // waited `linger`, or no request is in flight (adaptive_linger), or it is expedited
  // (flush/expedite), or the accumulator is closed.
  // A batch holds up to batch_messages records and batch_bytes bytes (at least one record).
  // Partitions whose batch is taken are out until finish() or requeue(). Wakes a sender
  // when ready batches remain.
  std::vector<ProducerBatch> drainReady(SteadyClock::time_point now, size_t max_bytes,
                                        size_t max_batches = SIZE_MAX);

  // The batch is done (acknowledged or failed for good): frees its buffer space so blocked
  // appends can go on. Call before running the records' callbacks.
  void releaseSpace(const ProducerBatch& batch);
  // After the callbacks ran: the partition may send its next batch, and flush() sees these
  // records as complete.
  void finish(const ProducerBatch& batch);
  // The batch will be tried again: its records go back to the head of their partition,
  // which stays quiet until `retry_at`. The records keep their buffer space. A stamped
  // batch is kept whole and is the partition's next batch as it is (nothing joins it).
  void requeue(ProducerBatch batch, SteadyClock::time_point retry_at);
  // The records of `batch` (unstamped, taken from batch.partition) move to the head of
  // partition `to`, keeping their buffer space; they are sent from there without a backoff.
  // With `release_origin` batch.partition may send its next batch (as after finish());
  // without, the caller settles it (requeue() or finish() of the batch's other records).
  void reroute(ProducerBatch batch, const TopicPartition& to, bool release_origin);

  // Records with sequence <= `sequence` are ready without waiting for linger.
  void expedite(uint64_t sequence);
  // Expedites everything appended so far and waits until each of those records finished.
  void flush();
  // Refuses further appends; everything left is ready at once.
  void close();
  // Closed and no record left (queued or out).
  bool finished();

  size_t bufferedRecords();
  size_t bufferedBytes();

 private:
  struct PartitionQueue {
    RecordQueue<PendingRecord> records;
    size_t bytes = 0;
    bool out = false;                     // a batch of this partition is being sent
    std::optional<ProducerBatch> sealed;  // a stamped batch waiting for its retry
    SteadyClock::time_point retry_at{};   // quiet until then (retry backoff)
  };

  bool isFull(size_t bytes) const;
  bool isReady(const PartitionQueue& queue, SteadyClock::time_point now) const;
  // When the earliest partition that is not ready now becomes ready (time_point::max()
  // if none will by waiting alone).
  SteadyClock::time_point nextReadyTime(SteadyClock::time_point now) const;
  size_t countReady(SteadyClock::time_point now) const;
  std::vector<ProducerBatch> takeReady(SteadyClock::time_point now, size_t max_bytes,
                                       size_t max_batches);

  const AccumulatorLimits limits_;
  std::mutex mutex_;
  std::condition_variable space_cv_;  // appenders waiting for space
  std::condition_variable ready_cv_;  // senders waiting for a ready batch
  std::condition_variable done_cv_;   // flush() waiting for records to finish
  std::map<TopicPartition, PartitionQueue> queues_;
  TopicPartition cursor_;  // the partition drained last: the next drain starts after it
  size_t buffered_records_ = 0;
  size_t buffered_bytes_ = 0;
  uint64_t last_sequence_ = 0;
  uint64_t expedite_through_ = 0;
  UnfinishedSequences unfinished_;  // sequences appended but not finished
  size_t waiting_senders_ = 0;
  bool closed_ = false;
};

}  // namespace mq::client
