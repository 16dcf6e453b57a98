#include "metaserver/datanodes/datanode_registry.h"

#include <fmt/format.h>

#include <future>
#include <stdexcept>

#include "common/errors.h"
#include "common/log.h"
#include "metaserver/portal/topology_json.h"
#include "metaserver/store/replication_store.h"
#include "storage/embedded_sql.h"
#include "storage/migrations.h"
#include "storage/partition_store.h"

namespace mq {
namespace {

DbPoolOptions datanodePoolOptions() {
  DbPoolOptions options;
  // The metaserver only runs DDL and health checks on datanodes: a few connections do.
  options.max_connections = 4;
  options.connect_timeout_s = 3;
  options.create_database = true;
  return options;
}

std::string describe(const DatanodeRecord& node) {
  return fmt::format("datanode `{}` ({})", node.name, node.target.describe());
}

[[noreturn]] void throwUnavailable(const DatanodeRecord& node, const std::string& doing,
                                   const std::string& what, bool retriable) {
  auto error = makeError(rpc::ErrorCode::DATANODE_UNAVAILABLE,
                         fmt::format("{} failed while {}: {}", describe(node), doing, what));
  error.retriable = retriable;
  throw error;
}

// Runs `action` against a datanode, turning database failures into DATANODE_UNAVAILABLE.
template <typename Action>
void guarded(const DatanodeRecord& node, const std::string& doing, Action&& action) {
  try {
    action();
  } catch (const sql::SQLException& e) {
    throwUnavailable(node, doing, e.what(), isTransientDbError(e));
  } catch (const rpc::MqError&) {
    throw;
  } catch (const std::runtime_error& e) {
    // Pool exhausted, migration lock timeout, a failed migration statement.
    throwUnavailable(node, doing, e.what(), true);
  }
}

// A pooled connection that died with a restarted server: worth one more try on a new one.
bool connectionDropped(const sql::SQLException& e) {
  switch (e.getErrorCode()) {
    case 2006:  // CR_SERVER_GONE_ERROR
    case 2013:  // CR_SERVER_LOST
    case 2055:  // CR_SERVER_LOST_EXTENDED
    case 1927:  // ER_CONNECTION_KILLED
      return true;
    default:
      return false;
  }
}

// Runs `attempt` and, when the connection it used had dropped, once more.
// REQUIRES: `attempt` is idempotent and acquires its own connection.
template <typename Attempt>
void retryIfDropped(Attempt&& attempt) {
  try {
    attempt();
  } catch (const sql::SQLException& e) {
    if (!connectionDropped(e)) throw;
    attempt();
  }
}

bool isIdentifierChar(char c, bool allow_dot) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || (allow_dot && c == '.');
}

bool allIdentifierChars(const std::string& text, bool allow_dot) {
  for (char c : text) {
    if (!isIdentifierChar(c, allow_dot)) return false;
  }
  return true;
}

void validateNewDatanode(const std::string& name, const DbTarget& target) {
  auto refuse = [](const std::string& message) {
    throwError(rpc::ErrorCode::INVALID_REQUEST, message);
  };
  if (name.empty() || name.size() > 64 || !allIdentifierChars(name, true)) {
    refuse("datanode name must be 1 to 64 characters from [A-Za-z0-9._-]");
  }
  if (target.host.empty() || target.host.size() > 255 ||
      target.host.find_first_of(" \t\r\n") != std::string::npos) {
    refuse("datanode host must be 1 to 255 characters without spaces");
  }
  if (target.port < 1 || target.port > 65535) {
    refuse(fmt::format("datanode port must be 1..65535, got {}", target.port));
  }
  // The database name is quoted into CREATE DATABASE and the migration lock's name.
  if (target.database.empty() || target.database.size() > 64 ||
      !allIdentifierChars(target.database, false)) {
    refuse("datanode database name must be 1 to 64 characters from [A-Za-z0-9_-]");
  }
  if (target.user.empty() || target.user.size() > 64) {
    refuse("datanode user must be 1 to 64 characters");
  }
  if (target.password.size() > 255) refuse("datanode password must be at most 255 characters");
}

}  // namespace

struct DatanodeRegistry::Entry {
  explicit Entry(DatanodeRecord node, std::unique_ptr<DbPool> connections = nullptr)
      : record(std::move(node)),
        pool(connections ? std::move(connections)
                         : std::make_unique<DbPool>(record.target, datanodePoolOptions())) {}

  const DatanodeRecord record;
  const std::unique_ptr<DbPool> pool;
  std::mutex migrate_mutex;
  bool migrated = false;  // guarded by migrate_mutex
};

DatanodeRegistry::DatanodeRegistry(MetaStore& meta, AuditTrail& audit)
    : meta_(meta), audit_(audit) {}

DatanodeRegistry::~DatanodeRegistry() = default;

void DatanodeRegistry::adopt(const std::vector<DatanodeRecord>& records) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& record : records) {
    auto it = entries_.find(record.id);
    if (it == entries_.end()) {
      entries_.emplace(record.id, std::make_unique<Entry>(record));
      continue;
    }
    const DbTarget& known = it->second->record.target;
    if (known.describe() != record.target.describe() || known.password != record.target.password) {
      logInfo("datanode moved; new connections")
          .kv("datanode", record.name)
          .kv("from", known.describe())
          .kv("to", record.target.describe());
      replaced_.push_back(std::move(it->second));
      it->second = std::make_unique<Entry>(record);
    }
  }
}

void DatanodeRegistry::reload() { adopt(meta_.listDatanodes()); }

DatanodeRegistry::Entry& DatanodeRegistry::entry(int datanode_id) {
  bool reread = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (now - version_checked_ >= std::chrono::seconds(1)) {
      version_checked_ = now;
      reread = true;
    }
  }
  if (reread) {
    try {
      int64_t version = meta_.topologyVersion();
      bool moved = false;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        moved = version != seen_version_;
        seen_version_ = version;
      }
      if (moved) reload();
    } catch (const std::exception& e) {
      logDebug("datanode records not re-read").kv("error", e.what());
    }
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(datanode_id);
    if (it != entries_.end()) return *it->second;
  }
  adopt(meta_.listDatanodes());
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(datanode_id);
  if (it == entries_.end()) {
    throwError(rpc::ErrorCode::UNKNOWN_DATANODE,
               fmt::format("datanode id {} is not recorded", datanode_id));
  }
  return *it->second;
}

void DatanodeRegistry::ensureMigrated(Entry& entry) {
  std::lock_guard<std::mutex> lock(entry.migrate_mutex);
  if (entry.migrated) return;
  guarded(entry.record, "applying schema migrations",
          [&] { retryIfDropped([&] { applyMigrations(*entry.pool, datanodeMigrations()); }); });
  entry.migrated = true;
}

void DatanodeRegistry::run(Entry& entry, const std::string& doing,
                           const std::function<void(DbConnection&)>& action) {
  ensureMigrated(entry);
  guarded(entry.record, doing, [&] {
    retryIfDropped([&] {
      auto db = entry.pool->acquire();
      action(*db);
    });
  });
}

void DatanodeRegistry::migrateAll() {
  adopt(meta_.listDatanodes());
  std::vector<Entry*> all;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [id, entry] : entries_) all.push_back(entry.get());
  }
  for (Entry* entry : all) {
    try {
      ensureMigrated(*entry);
    } catch (const rpc::MqError& e) {
      logWarn("datanode unavailable; migrations will be retried on first use")
          .kv("datanode", entry->record.name)
          .kv("error", e.message);
    }
  }
}

DatanodeRecord DatanodeRegistry::add(const std::string& actor, const std::string& name,
                                     const DbTarget& target) {
  validateNewDatanode(name, target);
  for (const auto& existing : meta_.listDatanodes()) {
    if (existing.name == name) {
      throwError(rpc::ErrorCode::DATANODE_ALREADY_EXISTS,
                 fmt::format("a datanode named `{}` already exists (id {})", name, existing.id));
    }
    if (existing.target.host == target.host && existing.target.port == target.port &&
        existing.target.database == target.database) {
      throwError(rpc::ErrorCode::DATANODE_ALREADY_EXISTS,
                 fmt::format("datanode `{}` (id {}) already uses {}:{}/{}", existing.name,
                             existing.id, target.host, target.port, target.database));
    }
  }
  // Reach and prepare the target before recording anything, so a wrong password or an
  // unreachable host is refused and leaves no trace in the metadata.
  DatanodeRecord candidate;
  candidate.name = name;
  candidate.target = target;
  auto pool = std::make_unique<DbPool>(target, datanodePoolOptions());
  guarded(candidate, "connecting", [&] { pool->acquire(); });
  guarded(candidate, "applying schema migrations",
          [&] { applyMigrations(*pool, datanodeMigrations()); });

  DatanodeRecord recorded = meta_.insertDatanode(name, target);
  auto entry = std::make_unique<Entry>(recorded, std::move(pool));
  entry->migrated = true;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.emplace(recorded.id, std::move(entry));
  }
  logInfo("datanode added")
      .kv("datanode", recorded.name)
      .kv("id", recorded.id)
      .kv("target", recorded.target.describe())
      .kv("actor", actor);
  audit_.recordDone(actor, "datanode.add", recorded.name, "", datanodeJson(recorded));
  return recorded;
}

std::vector<DatanodeStatus> DatanodeRegistry::statuses() {
  auto records = meta_.listDatanodes();
  auto counts = meta_.partitionCountsByDatanode();
  adopt(records);
  std::vector<std::future<DatanodeStatus>> checks;
  for (const auto& record : records) {
    Entry& node = entry(record.id);
    checks.push_back(std::async(std::launch::async, [this, &node, count = counts[record.id]] {
      DatanodeStatus status;
      status.record = node.record;
      status.partition_count = count;
      try {
        run(node, "checking health", [&](DbConnection& db) {
          status.replication = ReplicationStore::primaryHealth(db).describe();
        });
        status.healthy = true;
        status.status_message = "ok";
      } catch (const rpc::MqError& e) {
        status.status_message = e.message;
      }
      return status;
    }));
  }
  std::vector<DatanodeStatus> result;
  for (auto& check : checks) result.push_back(check.get());
  return result;
}

void DatanodeRegistry::createPartitions(const std::vector<PartitionRecord>& partitions) {
  std::vector<std::pair<Entry*, std::string>> created;
  try {
    for (const auto& partition : partitions) {
      Entry& node = entry(partition.datanode_id);
      const auto& table = partition.table_name;
      run(node, "creating table " + table,
          [&](DbConnection& db) { PartitionStore::createPartition(db, table, segment_messages_); });
      created.emplace_back(&node, table);
    }
  } catch (...) {
    // Undo, so a refused create leaves no tables behind.
    for (const auto& entry : created) {
      Entry* node = entry.first;
      const std::string& table = entry.second;  // a lambda may not capture a binding (C++17)
      try {
        run(*node, "dropping table " + table,
            [&](DbConnection& db) { PartitionStore::dropPartition(db, table); });
      } catch (const rpc::MqError& e) {
        logWarn("partition table left behind after a failed create")
            .kv("table", table)
            .kv("error", e.message);
      }
    }
    throw;
  }
}

void DatanodeRegistry::dropPartitions(const std::vector<PartitionRecord>& partitions) {
  std::map<int, Entry*> nodes;
  for (const auto& partition : partitions) {
    nodes.emplace(partition.datanode_id, &entry(partition.datanode_id));
  }
  for (const auto& [id, node] : nodes) {
    run(*node, "checking it is reachable", [](DbConnection& db) { db.query("SELECT 1"); });
  }
  for (const auto& partition : partitions) {
    const auto& table = partition.table_name;
    run(*nodes[partition.datanode_id], "dropping table " + table,
        [&](DbConnection& db) { PartitionStore::dropPartition(db, table); });
  }
}

void DatanodeRegistry::withDatanode(int datanode_id, const std::string& doing,
                                    const std::function<void(DbConnection&)>& action) {
  run(entry(datanode_id), doing, action);
}

}  // namespace mq
