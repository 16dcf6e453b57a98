#include "metaserver/portal/portal_topic_access.h"

#include <fmt/format.h>

#include <vector>

#include "metaserver/json_api.h"
#include "storage/access_store.h"

namespace mq {
namespace {

// Tokens stand for the caller's teams themselves in the policy: team grants apply to every
// token of the team, so one made-up token per team carries exactly the team's grants. Its
// name is empty, which no token grant can name (grantProblem refuses it).
constexpr const char* kTeamHashPrefix = "team:";

}  // namespace

TopicAccess::TopicAccess(DbPool& meta_pool, const Principal& who) : who_(who) {
  if (who.admin) return;
  std::vector<AccessTokenRecord> tokens;
  std::vector<AclGrant> grants;
  if (!who.teams.empty()) {
    AccessStore store(meta_pool);
    grants = store.listGrants();
    for (const auto& team : who.teams) {
      for (auto& token : store.listTokens(team)) tokens.push_back(std::move(token));
      AccessTokenRecord itself;
      itself.team = team;
      itself.token_hash = kTeamHashPrefix + team;
      tokens.push_back(std::move(itself));
    }
  }
  policy_ = std::make_unique<AccessPolicy>(tokens, grants);
}

TopicAccess::~TopicAccess() = default;

bool TopicAccess::allows(const std::string& topic, const std::string& owner_team,
                         Permission permission) const {
  if (who_.mayChange(owner_team)) return true;  // admins, the owner team's members
  bool allowed = false;
  policy_->forEach([&](const AccessPrincipal& principal) {
    allowed = allowed || principal.allows(ResourceType::kTopic, topic, permission);
  });
  return allowed;
}

void TopicAccess::require(const std::string& topic, const std::string& owner_team,
                          Permission permission) const {
  if (allows(topic, owner_team, permission)) return;
  const bool read = permission == Permission::kConsume;
  throw ApiError(
      403, "forbidden",
      fmt::format("you may not {} the messages of topic `{}`: {}; {} needs a {} grant on it "
                  "for one of your teams or their tokens (as brokers require), or an admin",
                  read ? "read" : "send to", topic,
                  owner_team.empty() ? std::string("it belongs to no team")
                                     : fmt::format("it belongs to team `{}`", owner_team),
                  read ? "reading" : "sending", read ? "consume" : "produce"));
}

void TopicAccess::requireRead(const std::string& topic, const std::string& owner_team) const {
  require(topic, owner_team, Permission::kConsume);
}

void TopicAccess::requireWrite(const std::string& topic, const std::string& owner_team) const {
  require(topic, owner_team, Permission::kProduce);
}

}  // namespace mq
