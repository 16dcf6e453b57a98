// Which claim buckets a relay claims from when several relays share one outbox. Every
// outbox row has a claim bucket (claim_bucket, 0..kClaimBuckets-1, computed by the
// database: sql/outbox/outbox_table.sql), and a key's rows share one. Relay i of the n live
// relays (ordered by their id in the relays table) claims the buckets b with b % n == i,
// so relays neither scan past each other's rows nor hold each other's keys back.
//
// The shares are a matter of speed only, never of correctness: while the relays' views of
// who is live differ (a relay started, stopped or died a moment ago), two relays may claim
// from one bucket, and SKIP LOCKED and the per-key order rule (claim_planner.h) keep that
// safe, as they do for relays without buckets. Pure logic; unit-tested.
#pragma once

#include <cstdint>
#include <vector>

namespace mq {

// The number of claim buckets; the `% 16` of claim_bucket in sql/outbox/outbox_table.sql.
constexpr int kClaimBuckets = 16;

// The buckets relay `relay_id` claims from, ascending, given the ids of the live relays (any
// order, duplicates allowed). A relay missing from `live` (its heartbeat is not visible
// yet) claims every bucket.
std::vector<int> claimShare(int64_t relay_id, std::vector<int64_t> live);

// `share` rotated to start at its `turn % size`-th bucket: the order one claim visits the
// buckets in, so that successive claims start at successive buckets.
std::vector<int> claimOrder(const std::vector<int>& share, uint64_t turn);

}  // namespace mq
