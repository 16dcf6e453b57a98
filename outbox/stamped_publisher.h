// Sends partition batches that already carry their idempotent stamp (producer id, epoch,
// base sequence), chosen and stored durably by the caller before the send, and reports per
// batch whether the broker stored it, refused it, or left the outcome unknown.
//
// This is the idempotent producer without its automatic sequencing: the outbox relay must
// write a batch's stamp into its rows before publishing, so that whoever finishes the rows
// after a crash re-sends exactly the same batch and the broker writes it at most once. The
// caller keeps one batch per partition in flight and re-sends unresolved batches unchanged.
//
// Thread-safe (one Cluster shared by several publishers is fine).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/cluster.h"
#include "mq_types.h"

namespace mq {

struct StampedBatch {
  std::string topic;
  int partition = 0;
  int64_t producer_id = 0;
  int16_t epoch = 0;
  int32_t base_sequence = 0;
  std::vector<rpc::Message> messages;

  size_t bytes() const;  // key + value + header bytes
};

enum class PublishOutcome {
  kWritten,  // stored now, or earlier by an attempt with the same stamp (base_offset set)
  kNotSent,  // the request surely reached no broker: nothing stored by this attempt
  kUnknown,  // no definite answer (reply lost, timeout, retriable error): maybe stored
  kRefused,  // the broker refused the batch (code): not stored by this attempt
};

struct PublishResult {
  PublishOutcome outcome = PublishOutcome::kUnknown;
  int64_t base_offset = -1;
  rpc::ErrorCode::type code = rpc::ErrorCode::NONE;
  std::string error;  // names the partition and the problem
};

class StampedPublisher {
 public:
  explicit StampedPublisher(client::Cluster& cluster) : cluster_(cluster) {}

  // Sends the batches (REQUIRES: at most one per partition) in as few requests as the
  // broker's request size allows, each to the next usable broker, once (no retry here).
  // Returns one result per batch, in order. Never throws for broker or network failures.
  std::vector<PublishResult> publish(const std::vector<const StampedBatch*>& batches);

 private:
  void sendOne(const std::vector<const StampedBatch*>& batches, size_t begin, size_t end,
               std::vector<PublishResult>& results);

  client::Cluster& cluster_;
};

}  // namespace mq
