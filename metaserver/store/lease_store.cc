#include "metaserver/store/lease_store.h"

namespace mq {
namespace {

// Milliseconds since the epoch on the database server's clock.
constexpr const char* kDbNowMs = "CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)";

}  // namespace

std::optional<LeaseHolder> LeaseStore::read(DbConnection& db, const std::string& name) {
  auto& select = db.prepare(std::string("SELECT holder, expires_ms, expires_ms < ") + kDbNowMs +
                            " FROM leases WHERE name = ?");
  select.setString(1, name);
  auto rows = runQuery(select);
  if (!rows->next()) return std::nullopt;
  return LeaseHolder{std::string(rows->getString(1)), rows->getInt64(2), rows->getBoolean(3)};
}

bool LeaseStore::acquire(const std::string& name, const std::string& holder, int64_t duration_ms) {
  auto db = pool_.acquire();
  auto& take = db->prepare(std::string("UPDATE leases SET holder = ?, expires_ms = ") + kDbNowMs +
                           " + ? WHERE name = ? AND (holder = ? OR expires_ms < " + kDbNowMs + ")");
  take.setString(1, holder);
  take.setInt64(2, duration_ms);
  take.setString(3, name);
  take.setString(4, holder);
  take.executeUpdate();
  auto current = read(*db, name);
  if (!current) {
    auto& create = db->prepare(std::string("INSERT IGNORE INTO leases (name, holder, expires_ms) "
                                           "VALUES (?, ?, ") +
                               kDbNowMs + " + ?)");
    create.setString(1, name);
    create.setString(2, holder);
    create.setInt64(3, duration_ms);
    create.executeUpdate();
    current = read(*db, name);
  }
  return current && current->holder == holder && !current->expired;
}

void LeaseStore::release(const std::string& name, const std::string& holder) {
  auto db = pool_.acquire();
  auto& release = db->prepare("UPDATE leases SET expires_ms = 0 WHERE name = ? AND holder = ?");
  release.setString(1, name);
  release.setString(2, holder);
  release.executeUpdate();
}

std::optional<LeaseHolder> LeaseStore::current(const std::string& name) {
  auto db = pool_.acquire();
  return read(*db, name);
}

}  // namespace mq
