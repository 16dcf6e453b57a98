#include "outbox/outbox_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "common/clock.h"
#include "common/header_codec.h"
#include "storage/migrations.h"

namespace mq {

// sql/outbox/outbox_table.sql, embedded at build time (outbox/CMakeLists.txt).
const std::string& outboxTableDdl();
// sql/outbox/outbox_claim_buckets.sql, likewise.
const std::string& outboxClaimBucketsDdl();

namespace {

constexpr size_t kMaxErrorLength = 1000;

std::string idList(const std::vector<int64_t>& ids) {
  std::string out;
  out.reserve(ids.size() * 8);
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(ids[i]);
  }
  return out;
}

std::string quoted(std::string_view text) {
  std::string out;
  appendSqlStringLiteral(out, text);
  return out;
}

std::string clip(const std::string& error) {
  if (error.size() <= kMaxErrorLength) return error;
  return error.substr(0, kMaxErrorLength) + "...";
}

// The outbox columns every relay read needs, in readRecord's order.
constexpr const char* kRecordColumns =
    "id, topic, msg_key, key_hash, headers, payload, created_ms, attempts, producer_id, "
    "producer_epoch, publish_partition, publish_sequence";

OutboxRecord readRecord(sql::ResultSet& rows) {
  OutboxRecord r;
  r.id = rows.getInt64(1);
  r.topic = columnText(rows, 2);
  if (!rows.isNull(3)) r.key = columnText(rows, 3);
  if (!rows.isNull(4)) r.key_hash = static_cast<uint32_t>(rows.getUInt64(4));
  if (!rows.isNull(5)) r.headers = columnText(rows, 5);
  r.payload = columnText(rows, 6);
  r.created_ms = rows.getInt64(7);
  r.attempts = rows.getInt(8);
  if (rows.getInt(12) >= 0) {  // stamped
    r.producer_id = rows.getInt64(9);
    r.producer_epoch = static_cast<int16_t>(rows.getInt(10));
    r.partition = rows.getInt(11);
    r.sequence = rows.getInt(12);
  }
  return r;
}

RelayRecord readRelay(sql::ResultSet& rows, int first) {
  RelayRecord r;
  r.relay_id = rows.getInt64(first);
  r.instance = rows.getInt64(first + 1);
  if (!rows.isNull(first + 2)) r.producer_id = rows.getInt64(first + 2);
  if (!rows.isNull(first + 3)) r.producer_epoch = static_cast<int16_t>(rows.getInt(first + 3));
  r.owner = columnText(rows, first + 4);
  r.lease_expires_ms = rows.getInt64(first + 5);
  return r;
}

// The claim and stamp columns of a row nobody holds.
constexpr const char* kUnclaimed =
    "claimed_by = 0, claim_expires_ms = 0, producer_id = 0, producer_epoch = 0, "
    "publish_partition = -1, publish_sequence = -1";

}  // namespace

OutboxTables OutboxTables::forBase(const std::string& base) {
  return OutboxTables{base, base + "_history", base + "_relays"};
}

bool isValidOutboxTableName(const std::string& name) {
  static const std::regex pattern("[A-Za-z0-9_]{1,48}");
  return std::regex_match(name, pattern);
}

size_t OutboxRecord::bytes() const {
  size_t total = payload.size() + (key ? key->size() : 0);
  if (!headers.empty()) {
    for (const auto& [name, value] : decodeHeaders(headers)) total += name.size() + value.size();
  }
  return total;
}

int64_t RowRetryPolicy::delayMs(int attempts) const {
  int64_t delay = std::max<int64_t>(backoff_ms, 1);
  for (int i = 1; i < attempts && delay < backoff_max_ms; ++i) delay *= 2;
  return std::min(delay, backoff_max_ms);
}

OutboxStore::OutboxStore(DbPool& pool, OutboxTables tables, int idle_transaction_timeout_s)
    : pool_(pool),
      tables_(std::move(tables)),
      idle_transaction_timeout_s_(idle_transaction_timeout_s) {}

void OutboxStore::limitIdleTransaction(DbPool::Lease& db) {
  if (idle_transaction_timeout_s_ <= 0 || !idle_timeout_supported_) return;
  try {
    db->execute(
        fmt::format("SET SESSION idle_transaction_timeout = {}", idle_transaction_timeout_s_));
  } catch (const sql::SQLException& e) {
    if (e.getErrorCode() != 1193) throw;  // ER_UNKNOWN_SYSTEM_VARIABLE: MySQL has none
    idle_timeout_supported_ = false;
  }
}

bool OutboxStore::createTables() {
  // The files name the default tables; every `mq_outbox` (also inside the companion names)
  // becomes the configured base name.
  auto apply = [&](const std::string& file) {
    const std::string text = std::regex_replace(file, std::regex("\\bmq_outbox"), tables_.outbox);
    auto db = pool_.acquire();
    for (const auto& statement : splitSqlStatements(text)) db->execute(statement);
  };
  apply(outboxTableDdl());
  if (hasClaimBuckets()) return false;
  apply(outboxClaimBucketsDdl());
  return true;
}

bool OutboxStore::hasClaimBuckets() {
  auto db = pool_.acquire();
  auto& select = db->prepare(
      "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND "
      "TABLE_NAME = ? AND INDEX_NAME = 'by_claim' AND SEQ_IN_INDEX = 2 AND COLUMN_NAME = "
      "'claim_bucket'");
  select.setString(1, tables_.outbox);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  return rows->next() && rows->getInt64(1) > 0;
}

// --- relay registry -------------------------------------------------------------------

RelayRecord OutboxStore::registerRelay(const std::string& name, const std::string& owner,
                                       int64_t lease_expires_ms) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  auto& upsert = db->prepare(
      fmt::format("INSERT INTO `{}` (name, instance, owner, lease_expires_ms, updated_ms) "
                  "VALUES (?, 1, ?, ?, ?) ON DUPLICATE KEY UPDATE instance = instance + 1, "
                  "owner = VALUES(owner), lease_expires_ms = VALUES(lease_expires_ms), "
                  "updated_ms = VALUES(updated_ms)",
                  tables_.relays));
  upsert.setString(1, name);
  upsert.setString(2, owner);
  upsert.setInt64(3, lease_expires_ms);
  upsert.setInt64(4, lease_expires_ms);
  upsert.execute();
  RelayRecord record = relayByName(db, name);
  transaction.commit();
  return record;
}

RelayRecord OutboxStore::relayByName(DbPool::Lease& db, const std::string& name) {
  auto& select = db->prepare(fmt::format(
      "SELECT id, instance, producer_id, producer_epoch, owner, lease_expires_ms FROM `{}` "
      "WHERE name = ?",
      tables_.relays));
  select.setString(1, name);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  rows->next();
  return readRelay(*rows, 1);
}

std::optional<RelayRecord> OutboxStore::takeOverRelay(const std::string& name,
                                                      int64_t seen_instance,
                                                      const std::string& owner, int64_t now_ms,
                                                      int64_t lease_expires_ms) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  auto& update = db->prepare(fmt::format(
      "UPDATE `{}` SET instance = instance + 1, owner = ?, lease_expires_ms = ?, updated_ms = ? "
      "WHERE name = ? AND instance = ? AND lease_expires_ms > 0 AND lease_expires_ms < ?",
      tables_.relays));
  update.setString(1, owner);
  update.setInt64(2, lease_expires_ms);
  update.setInt64(3, now_ms);
  update.setString(4, name);
  update.setInt64(5, seen_instance);
  update.setInt64(6, now_ms);
  if (update.executeUpdate() != 1) return std::nullopt;
  RelayRecord record = relayByName(db, name);
  transaction.commit();
  return record;
}

std::vector<RelayRow> OutboxStore::expiredRelays(const std::string& except, int64_t now_ms) {
  auto db = pool_.acquire();
  auto& select = db->prepare(fmt::format(
      "SELECT name, id, instance, producer_id, producer_epoch, owner, lease_expires_ms FROM `{}` "
      "WHERE lease_expires_ms > 0 AND lease_expires_ms < ? AND name <> ?",
      tables_.relays));
  select.setInt64(1, now_ms);
  select.setString(2, except);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  std::vector<RelayRow> out;
  while (rows->next()) out.push_back(RelayRow{columnText(*rows, 1), readRelay(*rows, 2)});
  return out;
}

std::vector<int64_t> OutboxStore::liveRelayIds(int64_t now_ms) {
  auto db = pool_.acquire();
  auto& select =
      db->prepare(fmt::format("SELECT id FROM `{}` WHERE lease_expires_ms > ?", tables_.relays));
  select.setInt64(1, now_ms);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  std::vector<int64_t> out;
  while (rows->next()) out.push_back(rows->getInt64(1));
  return out;
}

std::vector<RelayRow> OutboxStore::relays() {
  auto db = pool_.acquire();
  auto rows = db->query(fmt::format(
      "SELECT name, id, instance, producer_id, producer_epoch, owner, lease_expires_ms FROM `{}` "
      "ORDER BY name",
      tables_.relays));
  std::vector<RelayRow> out;
  while (rows->next()) out.push_back(RelayRow{columnText(*rows, 1), readRelay(*rows, 2)});
  return out;
}

bool OutboxStore::heartbeat(const RelayFence& fence, int64_t lease_expires_ms) {
  auto db = pool_.acquire();
  auto& update = db->prepare(fmt::format(
      "UPDATE `{}` SET lease_expires_ms = GREATEST(lease_expires_ms + 1, ?), updated_ms = ? "
      "WHERE name = ? AND instance = ?",
      tables_.relays));
  update.setInt64(1, lease_expires_ms);
  update.setInt64(2, lease_expires_ms);
  update.setString(3, fence.name);
  update.setInt64(4, fence.instance);
  return update.executeUpdate() == 1;  // the value always changes, so matched == changed
}

bool OutboxStore::setIdentity(const RelayFence& fence, int64_t producer_id, int16_t epoch) {
  auto db = pool_.acquire();
  auto& update = db->prepare(fmt::format(
      "UPDATE `{}` SET producer_id = ?, producer_epoch = ?, updated_ms = GREATEST(updated_ms + 1, "
      "?) WHERE name = ? AND instance = ?",
      tables_.relays));
  update.setInt64(1, producer_id);
  update.setInt(2, epoch);
  update.setInt64(3, nowMs());
  update.setString(4, fence.name);
  update.setInt64(5, fence.instance);
  return update.executeUpdate() == 1;  // updated_ms always changes: matched == changed
}

bool OutboxStore::releaseRelay(const RelayFence& fence) {
  auto db = pool_.acquire();
  auto& update = db->prepare(
      fmt::format("UPDATE `{}` SET lease_expires_ms = 0, updated_ms = GREATEST(updated_ms + 1, ?) "
                  "WHERE name = ? AND instance = ?",
                  tables_.relays));
  update.setInt64(1, nowMs());
  update.setString(2, fence.name);
  update.setInt64(3, fence.instance);
  return update.executeUpdate() == 1;
}

void OutboxStore::checkFence(DbPool::Lease& db, const RelayFence& fence) {
  // A shared lock: the relay's own transactions run side by side; a takeover's UPDATE
  // waits for them, and every transaction after it sees the new instance.
  auto& select = db->prepare(
      fmt::format("SELECT instance FROM `{}` WHERE name = ? LOCK IN SHARE MODE", tables_.relays));
  select.setString(1, fence.name);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  if (!rows->next()) {
    throw RelayFencedError(fmt::format("relay `{}` is not registered", fence.name));
  }
  const int64_t instance = rows->getInt64(1);
  if (instance != fence.instance) {
    throw RelayFencedError(fmt::format(
        "relay `{}` instance {} was superseded by instance {} (a newer start or a takeover)",
        fence.name, fence.instance, instance));
  }
}

// --- the relay's rows -----------------------------------------------------------------

std::pair<std::vector<OutboxRecord>, ClaimPlan> OutboxStore::claim(
    const RelayFence& fence, int limit, int64_t now_ms, int64_t claim_expires_ms,
    int64_t producer_id, int16_t epoch, const ClaimPlanner& planner, const RowRetryPolicy& retry,
    const std::optional<std::vector<int>>& buckets) {
  auto db = pool_.acquire();
  limitIdleTransaction(db);
  DbTransaction transaction(db);

  std::vector<OutboxRecord> candidates;
  auto take = [&](sql::PreparedStatement& select) {
    std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
    while (rows->next()) candidates.push_back(readRecord(*rows));
  };
  if (!buckets) {
    auto& select = db->prepare(fmt::format(
        "SELECT {} FROM `{}` FORCE INDEX (by_claim) WHERE status = 'pending' AND claimed_by "
        "= 0 AND next_attempt_ms <= ? ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED",
        kRecordColumns, tables_.outbox));
    select.setInt64(1, now_ms);
    select.setInt(2, limit);
    take(select);
  } else {
    // Bucket after bucket until the claim is full; each is a range of by_claim in id order.
    auto& select = db->prepare(fmt::format(
        "SELECT {} FROM `{}` FORCE INDEX (by_claim) WHERE status = 'pending' AND claim_bucket "
        "= ? AND claimed_by = 0 AND next_attempt_ms <= ? ORDER BY id LIMIT ? FOR UPDATE SKIP "
        "LOCKED",
        kRecordColumns, tables_.outbox));
    for (int bucket : *buckets) {
      const int left = limit - static_cast<int>(candidates.size());
      if (left <= 0) break;
      select.setInt(1, bucket);
      select.setInt64(2, now_ms);
      select.setInt(3, left);
      take(select);
    }
    // The planner takes the candidates in id order (a key's rows are in one bucket, so
    // this changes no key's order).
    std::sort(candidates.begin(), candidates.end(),
              [](const OutboxRecord& a, const OutboxRecord& b) { return a.id < b.id; });
  }
  if (candidates.empty()) {
    checkFence(db, fence);  // a fenced relay learns it here too
    transaction.commit();
    return {};
  }

  // Every existing row of the candidates' keys up to the newest candidate: older rows held
  // by other relays, in backoff or failed keep the newer ones of their key back. A plain
  // (non-locking) read of the latest committed rows.
  KeyRows key_rows;
  std::vector<uint32_t> hashes;
  for (const auto& c : candidates) {
    if (c.key_hash) hashes.push_back(*c.key_hash);
  }
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  if (!hashes.empty()) {
    std::string list;
    for (size_t i = 0; i < hashes.size(); ++i) {
      if (i > 0) list += ',';
      list += std::to_string(hashes[i]);
    }
    // Index only (by_key covers it).
    auto rows = db->query(fmt::format(
        "SELECT key_hash, id FROM `{}` FORCE INDEX (by_key) WHERE key_hash IN ({}) AND id <= {} "
        "ORDER BY key_hash, id",
        tables_.outbox, list, candidates.back().id));
    while (rows->next()) {
      key_rows[static_cast<uint32_t>(rows->getUInt64(1))].push_back(
          KeyRow{rows->getInt64(2), false});
    }
  }

  ClaimPlan plan = planner(candidates, key_rows);

  if (!plan.batches.empty()) {
    // One UPDATE for every stamped row; the per-batch columns through CASE.
    std::string ids;
    std::string partitions = "CASE";
    std::string sequences = "CASE";
    for (const auto& batch : plan.batches) {
      std::vector<int64_t> batch_ids;
      batch_ids.reserve(batch.rows.size());
      for (size_t row : batch.rows) batch_ids.push_back(candidates[row].id);
      const std::string list = idList(batch_ids);
      if (!ids.empty()) ids += ',';
      ids += list;
      partitions += fmt::format(" WHEN id IN ({}) THEN {}", list, batch.partition);
      sequences += fmt::format(" WHEN id IN ({}) THEN {}", list, batch.base_sequence);
    }
    db->execute(
        fmt::format("UPDATE `{}` SET claimed_by = {}, claim_expires_ms = {}, producer_id = {}, "
                    "producer_epoch = {}, publish_partition = {} END, publish_sequence = {} END "
                    "WHERE id IN ({})",
                    tables_.outbox, fence.relay_id, claim_expires_ms, producer_id, epoch,
                    partitions, sequences, ids));
  }
  // Refusals grouped by their error and permanence (usually one group).
  std::map<std::pair<std::string, bool>, std::vector<OutboxRecord*>> refused;
  for (const auto& refusal : plan.refusals) {
    refused[{refusal.error, refusal.permanent}].push_back(&candidates[refusal.row]);
  }
  for (const auto& [what, rows] : refused) {
    refuseRows(db, rows, what.first, what.second, now_ms, retry);
  }
  checkFence(db, fence);
  transaction.commit();
  return {std::move(candidates), std::move(plan)};
}

int64_t OutboxStore::refuseRows(DbPool::Lease& db, const std::vector<OutboxRecord*>& rows,
                                const std::string& error, bool permanent, int64_t now_ms,
                                const RowRetryPolicy& retry) {
  // Rows with the same attempt count get the same backoff: one UPDATE per count.
  std::map<int, std::vector<int64_t>> by_attempts;
  for (const auto* row : rows) by_attempts[row->attempts].push_back(row->id);
  int64_t failed = 0;
  for (const auto& [attempts, ids] : by_attempts) {
    const int after = attempts + 1;
    const bool fail = permanent || after >= retry.max_attempts;
    if (fail) failed += static_cast<int64_t>(ids.size());
    db->execute(fmt::format(
        "UPDATE `{}` SET status = '{}', attempts = {}, next_attempt_ms = {}, last_error = {}, {} "
        "WHERE id IN ({})",
        tables_.outbox, fail ? "failed" : "pending", after,
        fail ? 0 : now_ms + retry.delayMs(after), quoted(clip(error)), kUnclaimed, idList(ids)));
  }
  return failed;
}

std::vector<OutboxRecord> OutboxStore::claimedRows(int64_t relay_id) {
  auto db = pool_.acquire();
  auto& select = db->prepare(fmt::format(
      "SELECT {} FROM `{}` FORCE INDEX (by_claim) WHERE status = 'pending' AND claimed_by = ? "
      "ORDER BY id",
      kRecordColumns, tables_.outbox));
  select.setInt64(1, relay_id);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  std::vector<OutboxRecord> out;
  while (rows->next()) out.push_back(readRecord(*rows));
  std::stable_sort(out.begin(), out.end(), [](const OutboxRecord& a, const OutboxRecord& b) {
    return std::tie(a.topic, a.partition, a.sequence) < std::tie(b.topic, b.partition, b.sequence);
  });
  return out;
}

int64_t OutboxStore::finishPublished(int64_t relay_id, const std::string& relay_name, int16_t epoch,
                                     const std::vector<PublishedBatch>& batches, bool to_history,
                                     int64_t now_ms) {
  std::vector<int64_t> ids;
  for (const auto& batch : batches) ids.insert(ids.end(), batch.ids.begin(), batch.ids.end());
  if (ids.empty()) return 0;
  const std::string owned = fmt::format("claimed_by = {} AND producer_epoch = {}", relay_id, epoch);
  auto db = pool_.acquire();
  limitIdleTransaction(db);
  // The id list differs every time: the text protocol, not a server-side prepared statement
  // (one round trip and one parse instead of two, and no one-off statements in the
  // connection's cache of prepared ones, which would keep up to 512 of them on the server).
  std::unique_ptr<sql::Statement> statement(db->raw().createStatement());
  const std::string erase =
      fmt::format("DELETE FROM `{}` WHERE id IN ({}) AND {}", tables_.outbox, idList(ids), owned);
  if (!to_history) return statement->executeUpdate(erase);  // one statement: autocommitted
  DbTransaction transaction(db);
  std::string offsets = "CASE";
  std::string partitions = "CASE";
  for (const auto& batch : batches) {
    partitions += fmt::format(" WHEN id IN ({}) THEN {}", idList(batch.ids), batch.partition);
    for (size_t i = 0; i < batch.ids.size(); ++i) {
      offsets +=
          fmt::format(" WHEN id = {} THEN {}", batch.ids[i],
                      batch.base_offset < 0 ? -1 : batch.base_offset + static_cast<int64_t>(i));
    }
  }
  // Lock the rows first: a second finisher of the same batch (a takeover racing a zombie)
  // waits here and then finds nothing to move.
  db->query(fmt::format("SELECT id FROM `{}` WHERE id IN ({}) AND {} FOR UPDATE", tables_.outbox,
                        idList(ids), owned));
  db->execute(fmt::format(
      "INSERT INTO `{}` (id, topic, msg_key, headers, payload, created_ms, attempts, "
      "published_ms, published_partition, published_offset, relay) "
      "SELECT id, topic, msg_key, headers, payload, created_ms, attempts, {}, {} END, {} END, "
      "{} FROM `{}` WHERE id IN ({}) AND {}",
      tables_.history, now_ms, partitions, offsets, quoted(relay_name), tables_.outbox, idList(ids),
      owned));
  const int64_t finished = statement->executeUpdate(erase);
  transaction.commit();
  return finished;
}

int64_t OutboxStore::releaseRefused(const RelayFence& fence, int16_t epoch,
                                    const std::vector<int64_t>& ids,
                                    const std::vector<int64_t>& later_ids, const std::string& error,
                                    bool permanent, int64_t now_ms, const RowRetryPolicy& retry) {
  auto db = pool_.acquire();
  limitIdleTransaction(db);
  DbTransaction transaction(db);
  const std::string owned =
      fmt::format("claimed_by = {} AND producer_epoch = {}", fence.relay_id, epoch);
  std::vector<OutboxRecord> rows;
  {
    auto found =
        db->query(fmt::format("SELECT id, attempts FROM `{}` WHERE id IN ({}) AND {} "
                              "FOR UPDATE",
                              tables_.outbox, idList(ids), owned));
    while (found->next()) {
      OutboxRecord r;
      r.id = found->getInt64(1);
      r.attempts = found->getInt(2);
      rows.push_back(std::move(r));
    }
  }
  std::vector<OutboxRecord*> pointers;
  for (auto& r : rows) pointers.push_back(&r);
  const int64_t failed = refuseRows(db, pointers, error, permanent, now_ms, retry);
  if (!later_ids.empty()) {
    db->execute(fmt::format("UPDATE `{}` SET {} WHERE id IN ({}) AND {}", tables_.outbox,
                            kUnclaimed, idList(later_ids), owned));
  }
  checkFence(db, fence);
  transaction.commit();
  return failed;
}

void OutboxStore::unclaim(const RelayFence& fence, const std::vector<int64_t>& ids) {
  if (ids.empty()) return;
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  db->execute(fmt::format(
      "UPDATE `{}` SET {} WHERE id IN ({}) AND claimed_by = {} AND publish_sequence < 0",
      tables_.outbox, kUnclaimed, idList(ids), fence.relay_id));
  checkFence(db, fence);
  transaction.commit();
}

// --- operations -----------------------------------------------------------------------

std::vector<OutboxRecord> OutboxStore::failedRows(int limit, std::vector<std::string>* errors) {
  auto db = pool_.acquire();
  auto& select = db->prepare(
      fmt::format("SELECT {}, last_error FROM `{}` FORCE INDEX (by_claim) WHERE status = 'failed' "
                  "ORDER BY id LIMIT ?",
                  kRecordColumns, tables_.outbox));
  select.setInt(1, limit);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  std::vector<OutboxRecord> out;
  while (rows->next()) {
    out.push_back(readRecord(*rows));
    if (errors) errors->push_back(rows->isNull(13) ? "" : columnText(*rows, 13));
  }
  return out;
}

int64_t OutboxStore::retryFailed(std::optional<int64_t> id) {
  auto db = pool_.acquire();
  auto& update = db->prepare(
      fmt::format("UPDATE `{}` SET status = 'pending', attempts = 0, next_attempt_ms = 0 "
                  "WHERE status = 'failed' AND (? OR id = ?)",
                  tables_.outbox));
  update.setBoolean(1, !id.has_value());
  update.setInt64(2, id.value_or(0));
  return update.executeUpdate();
}

OutboxCounts OutboxStore::counts() {
  auto db = pool_.acquire();
  OutboxCounts counts;
  auto rows = db->query(
      fmt::format("SELECT status, claimed_by = 0, COUNT(*) FROM `{}` FORCE INDEX (by_claim) "
                  "GROUP BY status, claimed_by = 0",
                  tables_.outbox));
  while (rows->next()) {
    const std::string status = columnText(*rows, 1);
    const bool free = rows->getBoolean(2);
    const int64_t n = rows->getInt64(3);
    if (status == "failed") {
      counts.failed += n;
    } else if (free) {
      counts.pending += n;
    } else {
      counts.claimed += n;
    }
  }
  counts.oldest_pending_created_ms = oldestPendingCreatedMs();
  return counts;
}

int64_t OutboxStore::failedCount() {
  auto db = pool_.acquire();
  auto rows = db->query(fmt::format(
      "SELECT COUNT(*) FROM `{}` FORCE INDEX (by_claim) WHERE status = 'failed'", tables_.outbox));
  return rows->next() ? rows->getInt64(1) : 0;
}

int64_t OutboxStore::oldestPendingCreatedMs() {
  auto db = pool_.acquire();
  // The primary key in id order: the first pending row is (nearly) the oldest event;
  // failed rows before it are skipped, and there are few.
  auto rows = db->query(fmt::format(
      "SELECT created_ms FROM `{}` FORCE INDEX (PRIMARY) WHERE status = 'pending' ORDER BY id "
      "LIMIT 1",
      tables_.outbox));
  return rows->next() ? rows->getInt64(1) : 0;
}

}  // namespace mq
