// Writes the audit log of control-plane changes (who, what, before, after) through
// MetaStore::audit. An admin action and its audit record are made together or not at all:
// the action runs inside an AuditTrail::Change (one metadata transaction that every store's
// statements on this thread join, storage/db_pool.h DbJoinedTransaction) and record() writes
// the row in it; when the row cannot be written, record() throws, the change rolls back and
// the caller gets the error, so no admin action goes unrecorded. Actions that cannot be
// undone (see recordDone) are recorded after the fact instead.
#pragma once

#include <string>

#include "storage/db_pool.h"
#include "storage/meta_store.h"

namespace mq {

class AuditTrail {
 public:
  explicit AuditTrail(MetaStore& meta) : meta_(meta) {}

  // One admin action and its audit record as one metadata transaction: open it before the
  // action's first write, call record() and then commit(). Destroyed without commit() (an
  // exception), nothing of the action is kept. Only for actions whose writes are metadata
  // rows (datanode tables created in it stay if it rolls back).
  class Change {
   public:
    explicit Change(AuditTrail& trail) : transaction_(trail.meta_.pool()) {}
    // Throws MqError METADATA_UNAVAILABLE (retriable) when the transaction cannot commit.
    void commit();

   private:
    DbJoinedTransaction transaction_;
  };

  // `actor` is the caller's client id ("anonymous" when empty); `action` e.g. "topic.create";
  // `before_json`/`after_json` are JSON documents, "" when there is no before or after.
  // Throws MqError METADATA_UNAVAILABLE (retriable) naming the action when the row cannot be
  // written: inside a Change, the action is then undone.
  void record(const std::string& actor, const std::string& action, const std::string& object,
              const std::string& before_json, const std::string& after_json);
  // For an action that cannot be undone once made and so cannot share a transaction with its
  // record (it wrote to a datanode or went through a broker: a sent message, a replay, a
  // migration, a failover, a seal, a retirement): the record is written after it, and when
  // it cannot be, the loss is logged as an error (`audit record lost`); the action stands.
  // Never throws.
  void recordDone(const std::string& actor, const std::string& action, const std::string& object,
                  const std::string& before_json, const std::string& after_json) noexcept;

 private:
  MetaStore& meta_;
};

}  // namespace mq
