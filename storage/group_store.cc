#include "storage/group_store.h"

#include <fmt/format.h>

#include <map>
#include <optional>
#include <sstream>

#include "common/clock.h"
#include "common/thrift_codec.h"

namespace mq {
namespace {

// Binds one row of the committed_offsets upserts (columns in their order) and runs it, for
// either wire type of a committed offset (rpc::OffsetCommitPartition, rpc::CommittedOffset).
// Its previous_append_time_ms, when set, is the log-divergence check of the message before
// the offset (sql/meta/013).
template <typename CommittedOffset>
void upsertOffset(sql::PreparedStatement& upsert, const std::string& group_id,
                  const CommittedOffset& committed, int64_t committed_ms) {
  upsert.setString(1, group_id);
  upsert.setString(2, committed.topic);
  upsert.setInt(3, committed.partition);
  upsert.setInt64(4, committed.offset);
  upsert.setString(5, committed.metadata);
  upsert.setInt64(6, committed_ms);
  if (committed.__isset.previous_append_time_ms && committed.offset > 0) {
    upsert.setInt64(7, committed.offset - 1);
    upsert.setInt64(8, committed.previous_append_time_ms);
  } else {
    upsert.setNull(7, sql::DataType::BIGINT);
    upsert.setNull(8, sql::DataType::BIGINT);
  }
  upsert.execute();
}

// What every read of committed offsets selects, for committedOffsetRows.
constexpr const char* kCommittedOffsetColumns =
    "SELECT group_id, topic, partition_no, committed_offset, committed_ms FROM committed_offsets";

// The committed offsets of `rows`, which select kCommittedOffsetColumns.
std::vector<CommittedOffsetRow> committedOffsetRows(sql::ResultSet& rows) {
  std::vector<CommittedOffsetRow> result;
  result.reserve(rows.rowsCount());
  while (rows.next()) {
    CommittedOffsetRow row;
    row.group_id = columnText(rows, 1);
    row.topic = columnText(rows, 2);
    row.partition = rows.getInt(3);
    row.offset = rows.getInt64(4);
    row.committed_ms = rows.getInt64(5);
    result.push_back(std::move(row));
  }
  return result;
}

}  // namespace

GroupState GroupStore::loadWith(DbConnection& db, const std::string& group_id, bool for_update) {
  GroupState group;
  group.group_id = group_id;
  auto& select = db.prepare(
      std::string("SELECT state, generation, protocol, leader_id, rebalance_deadline_ms, "
                  "version FROM consumer_groups WHERE group_id = ?") +
      (for_update ? " FOR UPDATE" : ""));
  select.setString(1, group_id);
  auto rows = runQuery(select);
  if (!rows->next()) return group;
  group.exists = true;
  group.state = parseGroupState(columnText(*rows, 1));
  group.generation = rows->getInt(2);
  group.protocol = columnText(*rows, 3);
  group.leader_id = columnText(*rows, 4);
  group.rebalance_deadline_ms = rows->getInt64(5);
  group.version = rows->getInt64(6);

  auto& members = db.prepare(
      "SELECT member_id, instance_id, client_id, client_host, session_timeout_ms, "
      "rebalance_timeout_ms, pending, joined, protocols, assignment, last_heartbeat_ms "
      "FROM group_members WHERE group_id = ?");
  members.setString(1, group_id);
  auto m = runQuery(members);
  while (m->next()) {
    GroupMember member;
    member.member_id = columnText(*m, 1);
    if (!m->isNull(2)) member.instance_id = columnText(*m, 2);
    member.client_id = columnText(*m, 3);
    member.client_host = columnText(*m, 4);
    member.session_timeout_ms = m->getInt(5);
    member.rebalance_timeout_ms = m->getInt(6);
    member.pending = m->getBoolean(7);
    member.joined = m->getBoolean(8);
    member.protocols = deserializeThrift<rpc::StoredProtocols>(columnText(*m, 9)).protocols;
    if (!m->isNull(10)) {
      member.assignment = deserializeThrift<rpc::StoredAssignment>(columnText(*m, 10)).partitions;
    }
    member.last_heartbeat_ms = m->getInt64(11);
    group.members[member.member_id] = std::move(member);
  }
  return group;
}

void GroupStore::save(DbConnection& db, GroupState& group, int64_t now_ms) {
  if (group.dirty) {
    auto& update = db.prepare(
        "UPDATE consumer_groups SET state = ?, generation = ?, protocol = ?, leader_id = ?, "
        "rebalance_deadline_ms = ?, updated_ms = ?, version = ? WHERE group_id = ?");
    update.setString(1, groupStateName(group.state));
    update.setInt(2, group.generation);
    update.setString(3, group.protocol);
    update.setString(4, group.leader_id);
    update.setInt64(5, group.rebalance_deadline_ms);
    update.setInt64(6, now_ms);
    update.setInt64(7, group.version);
    update.setString(8, group.group_id);
    update.execute();
  }
  // Deletes first: a static member's new id reuses its instance id (unique key).
  for (const auto& member_id : group.removed) {
    auto& remove = db.prepare("DELETE FROM group_members WHERE group_id = ? AND member_id = ?");
    remove.setString(1, group.group_id);
    remove.setString(2, member_id);
    remove.execute();
  }
  for (auto& [id, member] : group.members) {
    if (!member.dirty) continue;
    auto& upsert = db.prepare(
        "INSERT INTO group_members (group_id, member_id, instance_id, client_id, client_host, "
        "session_timeout_ms, rebalance_timeout_ms, pending, joined, protocols, assignment, "
        "last_heartbeat_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON DUPLICATE KEY UPDATE "
        "instance_id = VALUES(instance_id), client_id = VALUES(client_id), "
        "client_host = VALUES(client_host), session_timeout_ms = VALUES(session_timeout_ms), "
        "rebalance_timeout_ms = VALUES(rebalance_timeout_ms), pending = VALUES(pending), "
        "joined = VALUES(joined), protocols = VALUES(protocols), "
        "assignment = VALUES(assignment), last_heartbeat_ms = VALUES(last_heartbeat_ms)");
    rpc::StoredProtocols protocols;
    protocols.protocols = member.protocols;
    rpc::StoredAssignment assignment;
    assignment.partitions = member.assignment;
    upsert.setString(1, group.group_id);
    upsert.setString(2, id);
    if (member.instance_id) {
      upsert.setString(3, *member.instance_id);
    } else {
      upsert.setNull(3, sql::DataType::VARCHAR);
    }
    upsert.setString(4, member.client_id);
    upsert.setString(5, member.client_host);
    upsert.setInt(6, member.session_timeout_ms);
    upsert.setInt(7, member.rebalance_timeout_ms);
    upsert.setBoolean(8, member.pending);
    upsert.setBoolean(9, member.joined);
    std::string protocols_blob = serializeThrift(protocols);
    std::string assignment_blob = serializeThrift(assignment);
    std::istringstream protocols_stream(protocols_blob);
    std::istringstream assignment_stream(assignment_blob);
    upsert.setBlob(10, &protocols_stream);
    upsert.setBlob(11, &assignment_stream);
    upsert.setInt64(12, member.last_heartbeat_ms);
    upsert.execute();
    member.dirty = false;
  }
  group.removed.clear();
  group.dirty = false;
  if (!group.commits.empty()) writeOffsets(db, group.group_id, group.commits, now_ms);
  group.commits.clear();
}

void GroupStore::insertIfMissing(DbConnection& db, const std::string& group_id, int64_t now_ms) {
  auto& create = db.prepare(
      "INSERT INTO consumer_groups (group_id, state, created_ms, updated_ms) "
      "VALUES (?, 'Empty', ?, ?) ON DUPLICATE KEY UPDATE group_id = group_id");
  create.setString(1, group_id);
  create.setInt64(2, now_ms);
  create.setInt64(3, now_ms);
  create.execute();
}

void GroupStore::replace(DbConnection& db, GroupState group, int64_t now_ms) {
  insertIfMissing(db, group.group_id, now_ms);
  auto& remove = db.prepare("DELETE FROM group_members WHERE group_id = ?");
  remove.setString(1, group.group_id);
  remove.execute();
  group.removed.clear();
  group.commits.clear();
  group.dirty = true;
  for (auto& [id, member] : group.members) member.dirty = true;
  save(db, group, now_ms);
}

void GroupStore::copyOffsets(DbConnection& db, const std::string& group_id,
                             const std::vector<rpc::CommittedOffset>& offsets) {
  // Newest wins: each column is assigned only if the copy was committed no earlier than
  // the row (committed_ms is assigned last, so the others still compare with the old one).
  auto& upsert = db.prepare(
      "INSERT INTO committed_offsets (group_id, topic, partition_no, committed_offset, "
      "metadata, committed_ms, check_offset, check_append_ms) VALUES (?,?,?,?,?,?,?,?) "
      "ON DUPLICATE KEY UPDATE "
      "committed_offset = IF(VALUES(committed_ms) >= committed_ms, VALUES(committed_offset), "
      "committed_offset), "
      "metadata = IF(VALUES(committed_ms) >= committed_ms, VALUES(metadata), metadata), "
      "check_offset = IF(VALUES(committed_ms) >= committed_ms, VALUES(check_offset), "
      "check_offset), "
      "check_append_ms = IF(VALUES(committed_ms) >= committed_ms, VALUES(check_append_ms), "
      "check_append_ms), "
      "committed_ms = GREATEST(committed_ms, VALUES(committed_ms))");
  for (const auto& offset : offsets) {
    upsertOffset(upsert, group_id, offset, offset.committed_ms);
  }
}

void GroupStore::mutate(const std::string& group_id, bool create_if_missing, const Step& step) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  const int64_t now = nowMs();
  // The exclusive row lock first. An INSERT IGNORE first would take a shared lock on an
  // existing row, and two calls holding it, each waiting for the exclusive one, deadlock:
  // 239 of 320 concurrent joins of one group failed that way. A missing group is created
  // only then, with ON DUPLICATE KEY UPDATE: when several first joins of a new group insert
  // at once, the losers' duplicate-key check takes the exclusive lock (INSERT IGNORE's would
  // be shared, and two of them then deadlock on the upgrade), so they queue.
  GroupState group = loadWith(*db, group_id, /*for_update=*/true);
  if (!group.exists && create_if_missing) {
    insertIfMissing(*db, group_id, now);
    group = loadWith(*db, group_id, /*for_update=*/true);
  }
  step(group, *db);
  if (group.exists) save(*db, group, now);
  transaction.commit();
}

void GroupStore::renewSessions(DbConnection& db, int64_t now_ms) {
  // Once per outage: a scan of group_members is fine.
  auto& renew =
      db.prepare("UPDATE group_members SET last_heartbeat_ms = ? WHERE last_heartbeat_ms < ?");
  renew.setInt64(1, now_ms);
  renew.setInt64(2, now_ms);
  renew.execute();
}

GroupState GroupStore::load(const std::string& group_id) {
  auto db = pool_.acquire();
  return loadWith(*db, group_id, /*for_update=*/false);
}

void GroupStore::writeOffsets(DbConnection& db, const std::string& group_id,
                              const std::vector<rpc::OffsetCommitPartition>& offsets,
                              int64_t now_ms) {
  auto& upsert = db.prepare(
      "INSERT INTO committed_offsets (group_id, topic, partition_no, committed_offset, "
      "metadata, committed_ms, check_offset, check_append_ms) VALUES (?,?,?,?,?,?,?,?) "
      "ON DUPLICATE KEY UPDATE committed_offset = VALUES(committed_offset), "
      "metadata = VALUES(metadata), committed_ms = VALUES(committed_ms), "
      "check_offset = VALUES(check_offset), check_append_ms = VALUES(check_append_ms)");
  for (const auto& offset : offsets) {
    upsertOffset(upsert, group_id, offset, now_ms);
  }
}

std::vector<rpc::CommittedOffset> GroupStore::fetchOffsets(
    const std::string& group_id, const std::vector<rpc::TopicPartitions>& partitions) {
  auto db = pool_.acquire();
  return fetchOffsets(*db, group_id, partitions);
}

std::vector<rpc::CommittedOffset> GroupStore::fetchOffsets(
    DbConnection& db, const std::string& group_id,
    const std::vector<rpc::TopicPartitions>& partitions) {
  auto& select = db.prepare(
      "SELECT topic, partition_no, committed_offset, metadata, committed_ms, check_offset, "
      "check_append_ms FROM committed_offsets WHERE group_id = ? ORDER BY topic, partition_no");
  select.setString(1, group_id);
  auto rows = runQuery(select);
  std::map<std::pair<std::string, int>, rpc::CommittedOffset> found;
  while (rows->next()) {
    rpc::CommittedOffset offset;
    offset.topic = columnText(*rows, 1);
    offset.partition = rows->getInt(2);
    offset.offset = rows->getInt64(3);
    offset.metadata = columnText(*rows, 4);
    offset.committed_ms = rows->getInt64(5);
    if (!rows->isNull(6) && !rows->isNull(7) && rows->getInt64(6) + 1 == offset.offset) {
      offset.__set_previous_append_time_ms(rows->getInt64(7));
    }
    found[{offset.topic, offset.partition}] = offset;
  }
  std::vector<rpc::CommittedOffset> result;
  if (partitions.empty()) {
    for (auto& [key, offset] : found) result.push_back(offset);
    return result;
  }
  for (const auto& tp : partitions) {
    for (int partition : tp.partitions) {
      auto it = found.find({tp.topic, partition});
      if (it != found.end()) {
        result.push_back(it->second);
      } else {
        rpc::CommittedOffset none;
        none.topic = tp.topic;
        none.partition = partition;
        none.offset = -1;
        result.push_back(none);
      }
    }
  }
  return result;
}

std::vector<rpc::GroupSummary> GroupStore::listGroups() {
  auto db = pool_.acquire();
  auto rows = runQuery(db->prepare(
      "SELECT g.group_id, g.state, g.generation, g.protocol, "
      "(SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.group_id AND m.pending = 0) "
      "FROM consumer_groups g ORDER BY g.group_id"));
  std::vector<rpc::GroupSummary> groups;
  while (rows->next()) {
    rpc::GroupSummary summary;
    summary.group_id = columnText(*rows, 1);
    summary.state = columnText(*rows, 2);
    summary.generation_id = rows->getInt(3);
    summary.protocol_name = columnText(*rows, 4);
    summary.members = rows->getInt(5);
    groups.push_back(summary);
  }
  return groups;
}

void GroupStore::deleteGroup(DbConnection& db, const std::string& group_id) {
  for (const char* sql : {"DELETE FROM committed_offsets WHERE group_id = ?",
                          "DELETE FROM group_members WHERE group_id = ?",
                          "DELETE FROM consumer_groups WHERE group_id = ?"}) {
    auto& remove = db.prepare(sql);
    remove.setString(1, group_id);
    remove.execute();
  }
}

std::vector<CommittedOffsetRow> GroupStore::committedOffsets(DbConnection& db) {
  auto rows =
      db.query(std::string(kCommittedOffsetColumns) + " ORDER BY group_id, topic, partition_no");
  return committedOffsetRows(*rows);
}

std::vector<CommittedOffsetRow> GroupStore::committedOffsets(DbConnection& db,
                                                             const std::string& topic,
                                                             std::optional<int> partition) {
  auto& select = db.prepare(std::string(kCommittedOffsetColumns) + " WHERE topic = ?" +
                            (partition ? " AND partition_no = ?" : "") + " ORDER BY group_id");
  select.setString(1, topic);
  if (partition) select.setInt(2, *partition);
  return committedOffsetRows(*runQuery(select));
}

std::map<std::string, GroupRow> GroupStore::groups(DbConnection& db) {
  std::map<std::string, GroupRow> result;
  {
    auto rows = db.query("SELECT group_id, state FROM consumer_groups");
    while (rows->next()) {
      GroupRow group;
      group.group_id = columnText(*rows, 1);
      group.state = columnText(*rows, 2);
      result[group.group_id] = std::move(group);
    }
  }
  auto rows = db.query("SELECT group_id, pending, protocols FROM group_members");
  while (rows->next()) {
    auto it = result.find(columnText(*rows, 1));
    if (it == result.end()) continue;
    if (rows->getBoolean(2)) continue;  // issued an id, has not joined yet
    it->second.members++;
    try {
      auto stored = deserializeThrift<rpc::StoredProtocols>(columnText(*rows, 3));
      for (const auto& protocol : stored.protocols) {
        it->second.subscribed_topics.insert(protocol.subscription.topics.begin(),
                                            protocol.subscription.topics.end());
      }
    } catch (const std::exception&) {
      // An undecodable subscription adds no topics; the member still counts.
    }
  }
  return result;
}

std::optional<int64_t> GroupStore::resetCommittedOffset(const std::string& group_id,
                                                        const std::string& topic, int partition,
                                                        int64_t below, int64_t new_offset,
                                                        const std::string& policy,
                                                        const std::string& reason) {
  auto db = pool_.acquire();
  DbTransaction transaction(db);
  auto& select = db->prepare(
      "SELECT committed_offset FROM committed_offsets "
      "WHERE group_id = ? AND topic = ? AND partition_no = ? FOR UPDATE");
  select.setString(1, group_id);
  select.setString(2, topic);
  select.setInt(3, partition);
  auto rows = runQuery(select);
  if (!rows->next()) return std::nullopt;
  const int64_t old_offset = rows->getInt64(1);
  if (old_offset >= below) return std::nullopt;  // the group committed past it meanwhile
  const int64_t now = nowMs();
  auto& update = db->prepare(
      "UPDATE committed_offsets SET committed_offset = ?, metadata = ?, committed_ms = ? "
      "WHERE group_id = ? AND topic = ? AND partition_no = ?");
  update.setInt64(1, new_offset);
  update.setString(2, fmt::format("reset by {} from {} ({})", reason, old_offset, policy));
  update.setInt64(3, now);
  update.setString(4, group_id);
  update.setString(5, topic);
  update.setInt(6, partition);
  update.execute();
  auto& event = db->prepare(
      "INSERT INTO offset_reset_events (at_ms, group_id, topic, partition_no, old_offset, "
      "new_offset, policy, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  event.setInt64(1, now);
  event.setString(2, group_id);
  event.setString(3, topic);
  event.setInt(4, partition);
  event.setInt64(5, old_offset);
  event.setInt64(6, new_offset);
  event.setString(7, policy);
  event.setString(8, reason);
  event.execute();
  transaction.commit();
  return old_offset;
}

std::vector<std::string> GroupStore::deleteTopicOffsets(DbConnection& db,
                                                        const std::string& topic) {
  std::vector<std::string> groups;
  auto& select = db.prepare(
      "SELECT DISTINCT group_id FROM committed_offsets WHERE topic = ? ORDER BY group_id");
  select.setString(1, topic);
  auto rows = runQuery(select);
  while (rows->next()) groups.push_back(rows->getString(1));
  auto& offsets = db.prepare("DELETE FROM committed_offsets WHERE topic = ?");
  offsets.setString(1, topic);
  offsets.execute();
  return groups;
}

std::vector<OffsetResetEventRecord> GroupStore::offsetResetEvents(const std::string& group_id,
                                                                  const std::string& topic,
                                                                  int limit) {
  auto db = pool_.acquire();
  // One group's events come from ix_offset_reset_group (group_id, id) newest first; the
  // others scan the primary key backwards.
  std::string sql =
      "SELECT id, at_ms, group_id, topic, partition_no, old_offset, new_offset, policy, reason "
      "FROM offset_reset_events WHERE 1 = 1";
  if (!group_id.empty()) sql += " AND group_id = ?";
  if (!topic.empty()) sql += " AND topic = ?";
  sql += " ORDER BY id DESC LIMIT ?";
  auto& select = db->prepare(sql);
  int index = 1;
  if (!group_id.empty()) select.setString(index++, group_id);
  if (!topic.empty()) select.setString(index++, topic);
  select.setInt(index, limit);
  auto rows = runQuery(select);
  std::vector<OffsetResetEventRecord> events;
  while (rows->next()) {
    OffsetResetEventRecord event;
    event.id = rows->getInt64(1);
    event.at_ms = rows->getInt64(2);
    event.group_id = rows->getString(3);
    event.topic = rows->getString(4);
    event.partition = rows->getInt(5);
    event.old_offset = rows->getInt64(6);
    event.new_offset = rows->getInt64(7);
    event.policy = rows->getString(8);
    event.reason = rows->getString(9);
    events.push_back(std::move(event));
  }
  return events;
}

}  // namespace mq
