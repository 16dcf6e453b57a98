#include "client/record_accumulator.h"

#include <fmt/format.h>

#include <algorithm>

#include "client/error.h"

namespace mq::client {

RecordAccumulator::RecordAccumulator(AccumulatorLimits limits) : limits_(limits) {}

bool RecordAccumulator::isFull(size_t bytes) const {
  if (buffered_records_ + 1 > limits_.buffer_messages) return true;
  // A single record larger than buffer_bytes still fits into an empty buffer.
  return buffered_records_ > 0 && buffered_bytes_ + bytes > limits_.buffer_bytes;
}

Appended RecordAccumulator::append(const TopicPartition& partition, PendingRecord record,
                                   std::chrono::milliseconds max_block, bool may_block,
                                   bool expedite, bool caller_sends) {
  std::unique_lock<std::mutex> lock(mutex_);
  auto closedError = [] {
    return Error(ErrorCode::SHUTTING_DOWN, "the producer is closed; the message was not sent",
                 false);
  };
  if (closed_) throw closedError();
  if (isFull(record.bytes)) {
    auto deadline = SteadyClock::now() + max_block;
    while (may_block && isFull(record.bytes) && !closed_) {
      if (space_cv_.wait_until(lock, deadline) == std::cv_status::timeout) break;
    }
    if (closed_) throw closedError();
    if (isFull(record.bytes)) {
      throw Error(
          ErrorCode::TIMEOUT,
          may_block
              ? fmt::format("producer buffer full ({} messages, {} waiting for the "
                            "brokers) for {} ms (max_block_ms); the message was not sent",
                            buffered_records_, formatBytes(buffered_bytes_), max_block.count())
              : fmt::format("producer buffer full ({} messages, {}) and sending from "
                            "a delivery callback cannot wait; the message was not sent",
                            buffered_records_, formatBytes(buffered_bytes_)),
          true);
    }
  }
  record.sequence = ++last_sequence_;
  const uint64_t sequence = record.sequence;
  unfinished_.add(sequence);
  buffered_records_ += 1;
  buffered_bytes_ += record.bytes;
  PartitionQueue& queue = queues_[partition];
  const bool was_empty = queue.records.empty();
  const size_t record_bytes = record.bytes;
  queue.bytes += record_bytes;
  queue.records.push_back(std::move(record));
  if (expedite) expedite_through_ = std::max(expedite_through_, sequence);
  // Every batch_messages records, or each time the bytes cross a multiple of batch_bytes,
  // the queue has gained another full batch.
  const Appended appended{sequence, queue.records.size() % limits_.batch_messages == 0 ||
                                        queue.bytes / limits_.batch_bytes >
                                            (queue.bytes - record_bytes) / limits_.batch_bytes};
  // A sender must re-plan when the partition gets its first record (a new linger deadline),
  // fills a batch or is expedited. One sender is enough: the others' plans did not change.
  if (caller_sends) return appended;
  if (was_empty || expedite || appended.batch_full) ready_cv_.notify_one();
  return appended;
}

void RecordAccumulator::wakeSender() {
  std::lock_guard<std::mutex> lock(mutex_);
  ready_cv_.notify_one();
}

bool RecordAccumulator::isReady(const PartitionQueue& queue, SteadyClock::time_point now) const {
  if (queue.out || queue.retry_at > now) return false;
  if (queue.sealed) return true;
  if (queue.records.empty()) return false;
  return closed_ || queue.records.size() >= limits_.batch_messages ||
         queue.bytes >= limits_.batch_bytes ||
         queue.records.front().sequence <= expedite_through_ ||
         (limits_.adaptive_linger && waiting_senders_ >= limits_.senders) ||
         now - queue.records.front().created >= limits_.linger;
}

SteadyClock::time_point RecordAccumulator::nextReadyTime(SteadyClock::time_point now) const {
  auto next = SteadyClock::time_point::max();
  for (const auto& entry : queues_) {
    const PartitionQueue& queue = entry.second;
    if (queue.out || (queue.records.empty() && !queue.sealed)) continue;
    auto at = queue.sealed
                  ? queue.retry_at
                  : std::max(queue.retry_at, queue.records.front().created + limits_.linger);
    if (at > now) next = std::min(next, at);
  }
  return next;
}

size_t RecordAccumulator::countReady(SteadyClock::time_point now) const {
  size_t ready = 0;
  for (const auto& entry : queues_) ready += isReady(entry.second, now) ? 1 : 0;
  return ready;
}

std::vector<ProducerBatch> RecordAccumulator::takeReady(SteadyClock::time_point now,
                                                        size_t max_bytes, size_t max_batches) {
  std::vector<ProducerBatch> batches;
  if (queues_.empty() || max_batches == 0) return batches;
  size_t total_bytes = 0;
  // Start after the partition drained last so that a request size limit cannot starve the
  // partitions that sort late.
  auto start = queues_.upper_bound(cursor_);
  if (start == queues_.end()) start = queues_.begin();
  auto it = start;
  do {
    PartitionQueue& queue = it->second;
    if (isReady(queue, now) && queue.sealed) {
      if (!batches.empty() && total_bytes + queue.sealed->bytes > max_bytes) break;
      total_bytes += queue.sealed->bytes;
      batches.push_back(std::move(*queue.sealed));
      queue.sealed.reset();
      queue.out = true;
      cursor_ = it->first;
      if (batches.size() >= max_batches) break;
    } else if (isReady(queue, now)) {
      size_t count = 0;
      size_t bytes = 0;
      for (size_t i = 0; i < queue.records.size(); ++i) {
        const PendingRecord& record = queue.records[i];
        if (count > 0 &&
            (count == limits_.batch_messages || bytes + record.bytes > limits_.batch_bytes)) {
          break;
        }
        ++count;
        bytes += record.bytes;
      }
      if (!batches.empty() && total_bytes + bytes > max_bytes) break;
      ProducerBatch batch;
      batch.partition = it->first;
      batch.bytes = bytes;
      batch.records.reserve(count);
      for (size_t i = 0; i < count; ++i) {
        batch.records.push_back(queue.records.take_front());
      }
      queue.bytes -= bytes;
      queue.out = true;
      total_bytes += bytes;
      cursor_ = it->first;
      batches.push_back(std::move(batch));
      if (batches.size() >= max_batches) break;
    }
    if (++it == queues_.end()) it = queues_.begin();
  } while (it != start);
  return batches;
}

std::vector<ProducerBatch> RecordAccumulator::drainReady(SteadyClock::time_point now,
                                                         size_t max_bytes, size_t max_batches) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto batches = takeReady(now, max_bytes, max_batches);
  // What the limits left behind goes with a sender (a caller that drains its own record may
  // have taken other partitions' batches instead, and woken none).
  if (countReady(now) > 0) ready_cv_.notify_one();
  return batches;
}

std::vector<ProducerBatch> RecordAccumulator::awaitReady(SteadyClock::time_point wake_by,
                                                         size_t max_bytes) {
  std::unique_lock<std::mutex> lock(mutex_);
  ++waiting_senders_;
  while (true) {
    auto now = SteadyClock::now();
    size_t ready = countReady(now);
    if (ready > 0) {
      size_t share = (ready + waiting_senders_ - 1) / waiting_senders_;
      auto batches = takeReady(now, max_bytes, share);
      --waiting_senders_;
      if (ready > batches.size()) ready_cv_.notify_one();  // leave the rest to another sender
      return batches;
    }
    if ((closed_ && buffered_records_ == 0) || now >= wake_by) break;
    ready_cv_.wait_until(lock, std::min(wake_by, nextReadyTime(now)));
  }
  --waiting_senders_;
  return {};
}

void RecordAccumulator::releaseSpace(const ProducerBatch& batch) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    buffered_records_ -= batch.records.size();
    buffered_bytes_ -= batch.bytes;
  }
  space_cv_.notify_all();
}

void RecordAccumulator::finish(const ProducerBatch& batch) {
  bool pending = false;
  bool all_done = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& record : batch.records) unfinished_.finish(record.sequence);
    PartitionQueue& queue = queues_[batch.partition];
    queue.out = false;
    pending = !queue.records.empty() || queue.sealed.has_value();
    all_done = closed_ && buffered_records_ == 0;
  }
  // Only this partition's plan changed: one sender re-plans it when it has records waiting.
  // Every sender must wake when the accumulator is finished (they exit). Waking all of them
  // after every batch cost a sync producer most of its CPU in futex wake-ups.
  if (all_done) {
    ready_cv_.notify_all();
  } else if (pending) {
    ready_cv_.notify_one();
  }
  done_cv_.notify_all();
}

void RecordAccumulator::requeue(ProducerBatch batch, SteadyClock::time_point retry_at) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    PartitionQueue& queue = queues_[batch.partition];
    if (batch.stamp) {
      queue.sealed = std::move(batch);
    } else {
      for (auto it = batch.records.rbegin(); it != batch.records.rend(); ++it) {
        queue.records.push_front(std::move(*it));
      }
      queue.bytes += batch.bytes;
    }
    queue.out = false;
    queue.retry_at = retry_at;
  }
  ready_cv_.notify_one();
}

void RecordAccumulator::reroute(ProducerBatch batch, const TopicPartition& to,
                                bool release_origin) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (release_origin) queues_[batch.partition].out = false;
    PartitionQueue& target = queues_[to];
    for (auto it = batch.records.rbegin(); it != batch.records.rend(); ++it) {
      target.records.push_front(std::move(*it));
    }
    target.bytes += batch.bytes;
  }
  ready_cv_.notify_all();  // the origin and the target may both be ready now
}

void RecordAccumulator::expedite(uint64_t sequence) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (sequence <= expedite_through_) return;
    expedite_through_ = sequence;
  }
  ready_cv_.notify_all();
}

void RecordAccumulator::flush() {
  std::unique_lock<std::mutex> lock(mutex_);
  const uint64_t target = last_sequence_;
  if (target > expedite_through_) {
    expedite_through_ = target;
    ready_cv_.notify_all();
  }
  done_cv_.wait(lock, [&] { return unfinished_.finishedThrough(target); });
}

void RecordAccumulator::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
  }
  ready_cv_.notify_all();
  space_cv_.notify_all();
}

bool RecordAccumulator::finished() {
  std::lock_guard<std::mutex> lock(mutex_);
  return closed_ && buffered_records_ == 0;
}

size_t RecordAccumulator::bufferedRecords() {
  std::lock_guard<std::mutex> lock(mutex_);
  return buffered_records_;
}

size_t RecordAccumulator::bufferedBytes() {
  std::lock_guard<std::mutex> lock(mutex_);
  return buffered_bytes_;
}

}  // namespace mq::client
