// The idempotent producers' current epochs (metadata table `producers`), cached so that an
// idempotent batch does not cost a metadata query and idempotent produce goes on while the
// metadata database is down.
//
// An entry is read again once it is older than `refresh`, or when a batch carries a newer
// epoch (an instance that just started). When that read fails:
// - a cached epoch serves (a fence issued through another broker reaches this one once the
//   database is back; meanwhile the datanodes still fence: a partition refuses an older
//   epoch once the newer instance has written to it, mq_producer_state);
// - a producer this broker has not seen is admitted with the epoch its batch carries, and
//   the datanode alone checks it (epochs never go back on a partition, a new epoch starts
//   at sequence 0). No new epoch can be issued while the database is down (initProducer
//   needs it), so the only batches this admits unchecked are those of producers that
//   started before the outage and of zombies fenced before it on partitions their
//   successor has not written to yet, the same guarantee Kafka gives an idempotent
//   producer without transactions.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "common/clock.h"
#include "storage/meta_store.h"

namespace mq {

class ProducerEpochs {
 public:
  ProducerEpochs(MetaStore& meta, std::chrono::milliseconds refresh)
      : meta_(meta), refresh_(refresh) {}

  // The current epoch of `producer_id` (nullopt: no such producer) for a batch carrying
  // `epoch`; see above for what answers while the metadata database cannot be read.
  std::optional<int16_t> current(int64_t producer_id, int16_t epoch);

  // Whether current(producer_id, epoch) answers from the cache, without a metadata read.
  bool cached(int64_t producer_id, int16_t epoch) const;

  // Records an epoch this broker has just issued (initProducer).
  void remember(int64_t producer_id, int16_t epoch);

  // Metadata reads made, and batches admitted unchecked during an outage (tests, metrics).
  uint64_t reads() const;
  uint64_t unchecked() const;

 private:
  struct Entry {
    std::optional<int16_t> epoch;
    SteadyClock::time_point read_at;
  };

  // Whether `entry` answers for a batch carrying `epoch` (read lately, not older than it).
  bool answers(const Entry& entry, int16_t epoch) const;

  MetaStore& meta_;
  const std::chrono::milliseconds refresh_;
  mutable std::mutex mutex_;
  std::unordered_map<int64_t, Entry> entries_;
  uint64_t reads_ = 0;
  uint64_t unchecked_ = 0;
};

}  // namespace mq
