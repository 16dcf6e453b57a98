// Every SQL statement on the outbox tables (sql/outbox/outbox_table.sql): the outbox, its
// history and the relay registry, in the application's database.
//
// Hot paths and their index use:
// - claim: `status = 'pending' AND claim_bucket = ? AND claimed_by = 0 ORDER BY id LIMIT n
//   FOR UPDATE SKIP LOCKED`, bucket after bucket of the relay's share, reads by_claim
//   (status, claim_bucket, id) in id order (no sort; the few rows other claims hold are
//   passed over, rows other relays are claiming right now are skipped, not waited for);
//   the older rows of the claimed keys are a range of by_key per key hash (index only); the
//   stamps are one UPDATE by primary key that changes no index entry (fixed-width columns,
//   updated in place).
// - finish: one DELETE by primary key (or INSERT ... SELECT into the history, then DELETE),
//   in the text protocol (its id list differs every time: no one-off prepared statement).
// - a relay's claimed rows (only at its start and at a takeover): the pending range of
//   by_claim, filtered.
//
// Fencing: every transaction that changes rows on behalf of a relay reads the relay's
// registry row under a shared lock before it commits and checks its `instance`; a takeover
// increments it under an exclusive lock, so it waits for those transactions and refuses all
// later ones (RelayFencedError). The check comes last, just before COMMIT, so the shared
// lock is held only for an instant.
//
// Sessions are READ COMMITTED (DbPool): each statement sees the latest committed rows.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "storage/db_pool.h"

namespace mq {

// The three tables of one outbox.
struct OutboxTables {
  std::string outbox;
  std::string history;
  std::string relays;

  // `base` must pass isValidOutboxTableName.
  static OutboxTables forBase(const std::string& base);
};

// 1..48 characters from [A-Za-z0-9_] (leaves room for the `_history` suffix).
bool isValidOutboxTableName(const std::string& name);

// The transaction's relay instance is no longer the registered one.
class RelayFencedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Who acts: a relay (its name and id, the rows' claimed_by) and the instance (fencing
// token) it registered.
struct RelayFence {
  std::string name;
  int64_t relay_id = 0;
  int64_t instance = 0;
};

struct RelayRecord {
  int64_t relay_id = 0;
  int64_t instance = 0;
  std::optional<int64_t> producer_id;
  std::optional<int16_t> producer_epoch;
  std::string owner;
  int64_t lease_expires_ms = 0;
};

// An outbox row as the relay reads it.
struct OutboxRecord {
  int64_t id = 0;
  std::string topic;
  std::optional<std::string> key;
  std::optional<uint32_t> key_hash;
  std::string headers;  // encoded (common/header_codec.h); empty: none
  std::string payload;
  int64_t created_ms = 0;
  int attempts = 0;
  // The stamp (set once claimed: publish_sequence >= 0 in the table).
  std::optional<int64_t> producer_id;
  std::optional<int16_t> producer_epoch;
  std::optional<int> partition;
  std::optional<int32_t> sequence;

  size_t bytes() const;  // key + value + header bytes, as the broker counts them
};

// How the claim transaction stamps rows: one batch per (topic, partition).
struct PlannedBatch {
  std::string topic;
  int partition = 0;
  int32_t base_sequence = 0;
  std::vector<size_t> rows;  // indices into the candidates, in id order
};

// A candidate the relay refuses to publish now: it gets an attempt, a backoff and the error
// (or is marked failed at once when `permanent`, or after the last attempt).
struct RowRefusal {
  size_t row = 0;
  std::string error;
  bool permanent = false;
};

struct ClaimPlan {
  std::vector<PlannedBatch> batches;
  std::vector<RowRefusal> refusals;
};

// An existing row of a candidate's key, as the claim transaction sees it.
struct KeyRow {
  int64_t id = 0;
  // Set by the relay (the store reads only the index): the row is in an earlier claim of
  // this relay that is not finished yet, which the relay publishes before this one.
  bool mine = false;
};
// Key hash -> its rows up to the newest candidate, ascending ids (candidates included).
using KeyRows = std::map<uint32_t, std::vector<KeyRow>>;

// Decides, inside the claim transaction, what to do with the candidates (id order) given
// every existing row of their keys.
using ClaimPlanner =
    std::function<ClaimPlan(const std::vector<OutboxRecord>& candidates, const KeyRows&)>;

// Backoff of refused rows and when they are failed.
struct RowRetryPolicy {
  int max_attempts = 10;
  int64_t backoff_ms = 1000;
  int64_t backoff_max_ms = 60000;

  // The delay after a row's `attempts`-th refusal (attempts >= 1).
  int64_t delayMs(int attempts) const;
};

// A published batch to finish: its rows (id order) and where they were stored.
struct PublishedBatch {
  std::vector<int64_t> ids;
  int partition = 0;
  int64_t base_offset = -1;  // -1: stored earlier, offset not reported
};

struct OutboxCounts {
  int64_t pending = 0;
  int64_t claimed = 0;
  int64_t failed = 0;
  int64_t oldest_pending_created_ms = 0;
};

struct RelayRow {
  std::string name;
  RelayRecord record;
};

class OutboxStore {
 public:
  // idle_transaction_timeout_s > 0: the relay's transactions ask the server (MariaDB's
  // idle_transaction_timeout; ignored where the server lacks it) to end a transaction that
  // sits idle that long, so a frozen relay cannot hold its row locks for ever.
  OutboxStore(DbPool& pool, OutboxTables tables, int idle_transaction_timeout_s = 0);

  const OutboxTables& tables() const { return tables_; }

  // The DDL of sql/outbox/outbox_table.sql for these tables; an outbox created before claim
  // buckets is upgraded (sql/outbox/outbox_claim_buckets.sql). True when it upgraded.
  bool createTables();
  // Whether the outbox has claim buckets (by_claim is (status, claim_bucket, id)).
  bool hasClaimBuckets();

  // --- relay registry ---
  // Registers a new instance of `name` (increments instance; lease until lease_expires_ms)
  // and returns the record, including the identity the earlier instance stamped with.
  RelayRecord registerRelay(const std::string& name, const std::string& owner,
                            int64_t lease_expires_ms);
  // Takes over `name` if it still has `seen_instance` and its lease (non-zero) expired
  // before now_ms: increments instance. Returns the record, or nullopt if someone else
  // was first or the relay came back.
  std::optional<RelayRecord> takeOverRelay(const std::string& name, int64_t seen_instance,
                                           const std::string& owner, int64_t now_ms,
                                           int64_t lease_expires_ms);
  // Relays other than `except` whose lease (non-zero) expired before now_ms.
  std::vector<RelayRow> expiredRelays(const std::string& except, int64_t now_ms);
  std::vector<RelayRow> relays();
  // Ids of the relays whose lease runs past now_ms.
  std::vector<int64_t> liveRelayIds(int64_t now_ms);
  // Renews the lease; false when fenced.
  bool heartbeat(const RelayFence& fence, int64_t lease_expires_ms);
  // Records the producer identity the fence's rows are stamped with from now on.
  bool setIdentity(const RelayFence& fence, int64_t producer_id, int16_t epoch);
  // A clean stop or a finished takeover: lease 0 (nobody needs to take it over).
  bool releaseRelay(const RelayFence& fence);

  // --- the relay's rows ---
  // The claim transaction: checks the fence, reads up to `limit` free pending rows that are
  // due (oldest first, skipping rows other transactions hold; with `buckets`, from those
  // claim buckets only, one after the other in the given order, until `limit`; without,
  // from the whole outbox, which needs no claim_bucket column), asks `planner`, stamps the
  // planned rows (claimed_by = fence.relay_id, claim_expires_ms, producer id/epoch, partition,
  // sequence) and applies the refusals, then commits. Returns the candidates and the plan
  // (empty when nothing was due). Throws RelayFencedError or sql::SQLException (then
  // nothing changed).
  std::pair<std::vector<OutboxRecord>, ClaimPlan> claim(
      const RelayFence& fence, int limit, int64_t now_ms, int64_t claim_expires_ms,
      int64_t producer_id, int16_t epoch, const ClaimPlanner& planner, const RowRetryPolicy& retry,
      const std::optional<std::vector<int>>& buckets);

  // Rows claimed by the relay `relay_id` (whatever instance), with payloads and stamps,
  // ordered by topic, partition, sequence and id.
  std::vector<OutboxRecord> claimedRows(int64_t relay_id);

  // Deletes published rows (or moves them to the history, naming `relay_name`) that still
  // carry the claim (claimed_by = relay_id, producer_epoch = epoch). One transaction.
  // Returns rows finished.
  int64_t finishPublished(int64_t relay_id, const std::string& relay_name, int16_t epoch,
                          const std::vector<PublishedBatch>& batches, bool to_history,
                          int64_t now_ms);

  // A batch (`ids`, stamped with `epoch`) of the fence's relay was refused and not stored:
  // its rows get an attempt (with backoff, or `failed` at the last attempt or when
  // `permanent`) and lose their claim. The rows `later_ids` (the relay's later batches of
  // that partition, never stored either: they follow in the sequence) lose their claim
  // too, without an attempt. One transaction. Returns the number of rows marked failed.
  // Throws RelayFencedError.
  int64_t releaseRefused(const RelayFence& fence, int16_t epoch, const std::vector<int64_t>& ids,
                         const std::vector<int64_t>& later_ids, const std::string& error,
                         bool permanent, int64_t now_ms, const RowRetryPolicy& retry);

  // Rows whose claim carries no stamp (never happens through a relay): free them.
  void unclaim(const RelayFence& fence, const std::vector<int64_t>& ids);

  // --- operations ---
  std::vector<OutboxRecord> failedRows(int limit, std::vector<std::string>* errors);
  int64_t retryFailed(std::optional<int64_t> id);
  OutboxCounts counts();
  int64_t failedCount();
  // created_ms of the oldest pending row; 0 when none.
  int64_t oldestPendingCreatedMs();

 private:
  // The relay row `name` (which exists), read in the caller's open transaction.
  RelayRecord relayByName(DbPool::Lease& db, const std::string& name);
  void checkFence(DbPool::Lease& db, const RelayFence& fence);
  // Sets the session's idle transaction timeout (before START TRANSACTION).
  void limitIdleTransaction(DbPool::Lease& db);
  // Applies refusals of rows (attempts as read) in the open transaction; returns failed.
  int64_t refuseRows(DbPool::Lease& db, const std::vector<OutboxRecord*>& rows,
                     const std::string& error, bool permanent, int64_t now_ms,
                     const RowRetryPolicy& retry);

  DbPool& pool_;
  const OutboxTables tables_;
  const int idle_transaction_timeout_s_;
  std::atomic<bool> idle_timeout_supported_{true};
};

}  // namespace mq
