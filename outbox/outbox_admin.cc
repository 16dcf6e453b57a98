// mq::OutboxAdmin: the outbox's operations (create tables, list and retry failed rows,
// status), through OutboxStore.
#include <fmt/format.h>

#include "mq/outbox.h"
#include "outbox/outbox_store.h"

using mq::client::Error;

namespace mq {

class OutboxAdmin::Impl {
 public:
  Impl(const std::string& app_db, const std::string& table) {
    if (!isValidOutboxTableName(table)) {
      throw Error(client::ErrorCode::INVALID_CONFIG,
                  "outbox table must be 1..48 characters from [A-Za-z0-9_]", false);
    }
    DbTarget target;
    try {
      target = DbTarget::parseUrl(app_db);
    } catch (const std::exception& e) {
      throw Error(client::ErrorCode::INVALID_CONFIG, std::string("--db: ") + e.what(), false);
    }
    DbPoolOptions options;
    options.max_connections = 2;
    pool_ = std::make_unique<DbPool>(target, options);
    store_ = std::make_unique<OutboxStore>(*pool_, OutboxTables::forBase(table));
  }

  // Runs `fn`, turning database failures into an Error that names the database.
  template <class Fn>
  auto run(Fn&& fn) -> decltype(fn(std::declval<OutboxStore&>())) {
    try {
      return fn(*store_);
    } catch (const sql::SQLException& e) {
      throw Error(client::ErrorCode::UNKNOWN,
                  fmt::format("{}: {}", pool_->target().describe(), e.what()),
                  isTransientDbError(e));
    }
  }

 private:
  std::unique_ptr<DbPool> pool_;
  std::unique_ptr<OutboxStore> store_;
};

OutboxAdmin::OutboxAdmin(const std::string& app_db, std::string table)
    : impl_(std::make_unique<Impl>(app_db, table)) {}

OutboxAdmin::~OutboxAdmin() = default;

bool OutboxAdmin::createTables() {
  return impl_->run([](OutboxStore& store) { return store.createTables(); });
}

std::vector<OutboxRow> OutboxAdmin::failed(int limit) {
  return impl_->run([&](OutboxStore& store) {
    std::vector<std::string> errors;
    auto records = store.failedRows(limit, &errors);
    std::vector<OutboxRow> rows;
    for (size_t i = 0; i < records.size(); ++i) {
      OutboxRow row;
      row.id = records[i].id;
      row.topic = records[i].topic;
      row.key = records[i].key;
      row.payload_bytes = static_cast<int64_t>(records[i].payload.size());
      row.created_ms = records[i].created_ms;
      row.status = "failed";
      row.attempts = records[i].attempts;
      row.last_error = errors[i];
      rows.push_back(std::move(row));
    }
    return rows;
  });
}

int64_t OutboxAdmin::retry(std::optional<int64_t> id) {
  return impl_->run([&](OutboxStore& store) { return store.retryFailed(id); });
}

OutboxStatus OutboxAdmin::status() {
  return impl_->run([](OutboxStore& store) {
    OutboxStatus status;
    OutboxCounts counts = store.counts();
    status.pending = counts.pending;
    status.claimed = counts.claimed;
    status.failed = counts.failed;
    status.oldest_pending_created_ms = counts.oldest_pending_created_ms;
    status.claim_buckets = store.hasClaimBuckets();
    for (const auto& relay : store.relays()) {
      OutboxRelayInfo info;
      info.name = relay.name;
      info.instance = relay.record.instance;
      info.owner = relay.record.owner;
      info.producer_id = relay.record.producer_id.value_or(-1);
      info.producer_epoch = relay.record.producer_epoch ? *relay.record.producer_epoch : -1;
      info.lease_expires_ms = relay.record.lease_expires_ms;
      status.relays.push_back(std::move(info));
    }
    return status;
  });
}

}  // namespace mq
