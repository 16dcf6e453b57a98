#include "perf/scratch_database.h"

#include <fmt/format.h>

#include <iostream>
#include <stdexcept>

namespace mq::perf {

ScratchDatabase::ScratchDatabase(const DbTarget& target) : name_(target.database) {
  DbTarget admin = target;
  admin.database = "information_schema";
  admin_ = std::make_unique<DbPool>(admin, DbPoolOptions{});
  auto db = admin_->acquire();
  std::string like;
  appendSqlStringLiteral(like, name_);
  if (db->query("SHOW DATABASES LIKE " + like)->next()) {
    throw std::invalid_argument(
        fmt::format("database `{}` already exists; the benchmark creates and drops its own scratch "
                    "database, so name one that does not exist",
                    name_));
  }
  db->execute(fmt::format("CREATE DATABASE `{}`", name_));
}

ScratchDatabase::~ScratchDatabase() {
  try {
    auto db = admin_->acquire();
    db->execute(fmt::format("DROP DATABASE IF EXISTS `{}`", name_));
  } catch (const std::exception& e) {
    std::cerr << fmt::format("warning: could not drop the scratch database `{}`: {}\n", name_,
                             e.what());
  }
}

}  // namespace mq::perf
