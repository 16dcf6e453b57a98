#include "common/group_offsets_store.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <memory>

#include "common/thrift_codec.h"
#include "mq_types.h"

namespace mq {
namespace {

std::string str(sql::ResultSet& rows, int column) { return std::string(rows.getString(column)); }

}  // namespace

std::vector<CommittedOffsetRow> GroupOffsetsStore::committedOffsets(DbConnection& db) {
  auto rows = db.query(
      "SELECT group_id, topic, partition_no, committed_offset, committed_ms "
      "FROM committed_offsets ORDER BY group_id, topic, partition_no");
  std::vector<CommittedOffsetRow> result;
  result.reserve(rows->rowsCount());
  while (rows->next()) {
    CommittedOffsetRow row;
    row.group_id = str(*rows, 1);
    row.topic = str(*rows, 2);
    row.partition = rows->getInt(3);
    row.offset = rows->getInt64(4);
    row.committed_ms = rows->getInt64(5);
    result.push_back(std::move(row));
  }
  return result;
}

std::vector<CommittedOffsetRow> GroupOffsetsStore::committedOffsets(DbConnection& db,
                                                                    const std::string& topic,
                                                                    int partition) {
  auto& select = db.prepare(
      "SELECT group_id, committed_offset, committed_ms FROM committed_offsets "
      "WHERE topic = ? AND partition_no = ? ORDER BY group_id");
  select.setString(1, topic);
  select.setInt(2, partition);
  std::unique_ptr<sql::ResultSet> rows(select.executeQuery());
  std::vector<CommittedOffsetRow> result;
  while (rows->next()) {
    CommittedOffsetRow row;
    row.group_id = str(*rows, 1);
    row.topic = topic;
    row.partition = partition;
    row.offset = rows->getInt64(2);
    row.committed_ms = rows->getInt64(3);
    result.push_back(std::move(row));
  }
  return result;
}

std::map<std::string, GroupRow> GroupOffsetsStore::groups(DbConnection& db) {
  std::map<std::string, GroupRow> result;
  {
    auto rows = db.query("SELECT group_id, state FROM consumer_groups");
    while (rows->next()) {
      GroupRow group;
      group.group_id = str(*rows, 1);
      group.state = str(*rows, 2);
      result[group.group_id] = std::move(group);
    }
  }
  auto rows = db.query("SELECT group_id, pending, protocols FROM group_members");
  while (rows->next()) {
    auto it = result.find(str(*rows, 1));
    if (it == result.end()) continue;
    if (rows->getBoolean(2)) continue;  // issued an id, has not joined yet
    it->second.members++;
    try {
      auto stored = deserializeThrift<rpc::StoredProtocols>(str(*rows, 3));
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

}  // namespace mq
