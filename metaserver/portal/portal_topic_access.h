// Who may read and write a topic's messages through the portal: the wire's rule
// (docs/security.md), applied to the signed-in user's teams. A user may read (browse, search,
// trace, see dead letters) or write (send test messages, replay dead letters) the messages of
// topic T when
//   - they are an admin, or
//   - they are a member of T's owner team, or
//   - one of their teams, or a token of one of their teams, holds a grant that lets a token
//     consume (read) or produce (write) on T (exact name, prefix, `*`, or admin on the cluster),
// so the portal never shows a team what the brokers would refuse that team's tokens.
// Grants and tokens are read once per TopicAccess (one request). With http-auth off every
// caller is an admin. Throws sql::SQLException on database errors.
#pragma once

#include <memory>
#include <string>

#include "common/access_policy.h"
#include "metaserver/portal/portal_auth.h"
#include "storage/db_pool.h"

namespace mq {

class TopicAccess {
 public:
  TopicAccess(DbPool& meta_pool, const Principal& who);
  ~TopicAccess();

  bool mayRead(const std::string& topic, const std::string& owner_team) const {
    return allows(topic, owner_team, Permission::kConsume);
  }
  bool mayWrite(const std::string& topic, const std::string& owner_team) const {
    return allows(topic, owner_team, Permission::kProduce);
  }
  // Throw ApiError 403 naming the topic, its team and what would allow it.
  void requireRead(const std::string& topic, const std::string& owner_team) const;
  void requireWrite(const std::string& topic, const std::string& owner_team) const;

 private:
  bool allows(const std::string& topic, const std::string& owner_team, Permission permission) const;
  void require(const std::string& topic, const std::string& owner_team,
               Permission permission) const;

  const Principal& who_;
  // The grants of the caller's teams and of their tokens (null for admins).
  std::unique_ptr<AccessPolicy> policy_;
};

}  // namespace mq
