// The outbox relay's units of work (the public class is mq::OutboxRelay in mq/outbox.h).
//
// A relay moves rows through three steps, each on its own thread so they overlap:
//   claim    one transaction: fence check, SELECT ... FOR UPDATE SKIP LOCKED, the per-key
//            order rule (claim_planner.h), and the idempotent stamp of every taken row
//            (producer id, epoch, partition, sequence) written before anything is sent;
//   publish  the claim's batches, re-sent unchanged until the broker answers definitively
//            (stored, or refused: then the rows are released with a backoff, or failed);
//   finish   delete the published rows (or move them to the history).
// Rows a crashed instance left claimed are finished the same way, with the stamp they
// carry: by the next instance of the name at start, or by another relay once the name's
// lease expired (takeover). See docs/outbox.md for the proof that nothing is published
// twice.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "outbox/outbox_store.h"
#include "outbox/stamped_publisher.h"

namespace mq {

// One stamped batch of rows and what became of it.
struct RelayBatch {
  enum class State { kPending, kWritten, kReleased };

  StampedBatch wire;         // topic, partition, stamp, messages (with the outbox id header)
  std::vector<int64_t> ids;  // the rows, in id order (= message order)
  State state = State::kPending;
  bool maybe_written = false;  // an attempt may have been stored (always, for leftovers)
  int unclear_refusals = 0;    // refusals after an attempt that may have been stored
  int64_t base_offset = -1;
};

// Rows claimed by one relay name: a fresh claim (one batch per partition), or the
// leftovers of an earlier instance or of a dead relay (several batches per partition, in
// sequence order, all `maybe_written`).
struct RelayWork {
  RelayFence fence;  // whose rows: claimed_by = fence.name
  bool leftovers = false;
  std::vector<RelayBatch> batches;
};

// The published message of an outbox row: key, payload, the row's headers plus the outbox
// id header, and the row's creation time as the timestamp.
rpc::Message outboxMessage(const OutboxRecord& row);

// Groups stamped rows (as OutboxStore::claimedRows returns them) into their batches:
// rows with the same (producer id, epoch, topic, partition, sequence), in id order. Rows
// without a stamp are returned in `unstamped`.
std::vector<RelayBatch> groupStampedRows(const std::vector<OutboxRecord>& rows,
                                         std::vector<int64_t>* unstamped);

}  // namespace mq
