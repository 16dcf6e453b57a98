// The batches an idempotent producer appended last to one partition, as the append
// transaction keeps them in mq_producer_state. Clients keep up to five batches in flight
// per partition (librdkafka's and Java's max.in.flight with idempotence), so after a broker
// dies mid-flight any of the five may come back as a retry. Like Kafka, the store retains
// five and answers a retry of any of them with the offset it was stored at; a client that
// is only told "duplicate" (Kafka error 46) reports the messages delivered without an
// offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mq {

struct AppendedBatch {
  int32_t sequence = 0;  // base sequence
  int32_t count = 0;     // messages in the batch
  int64_t base_offset = 0;
};

inline constexpr size_t kRetainedBatches = 5;

// Newest first, at most kRetainedBatches.
class RetainedBatches {
 public:
  RetainedBatches() = default;
  explicit RetainedBatches(std::vector<AppendedBatch> newest_first);

  // The retained batch with this base sequence and count, if any.
  std::optional<AppendedBatch> find(int32_t sequence, int32_t count) const;
  // Records a newly appended batch, forgetting the oldest beyond kRetainedBatches.
  void push(const AppendedBatch& batch);
  const AppendedBatch* newest() const { return batches_.empty() ? nullptr : &batches_.front(); }
  const std::vector<AppendedBatch>& batches() const { return batches_; }

  // The batches after the newest as stored in mq_producer_state.earlier_batches:
  // "sequence:count:offset" separated by spaces, newest first.
  std::string encodeEarlier() const;
  // Reads `newest` and the stored earlier batches; entries that do not parse are dropped
  // (a retry of those batches is then refused as out of order, as before they were kept).
  static RetainedBatches decode(const AppendedBatch& newest, const std::string& earlier);

 private:
  std::vector<AppendedBatch> batches_;
};

}  // namespace mq
