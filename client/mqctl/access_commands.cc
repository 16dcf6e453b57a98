// mqctl token create|list|revoke and acl grant|revoke|list: access tokens and ACL grants on
// the metaserver (docs/security.md).
#include <fmt/format.h>

#include <string>

#include "client/mqctl/commands.h"
#include "client/mqctl/json_writer.h"

using mq::client::AccessToken;
using mq::client::AclEntry;
using mq::client::AdminClient;

namespace mq::mqctl {

namespace {

JsonObject tokenJson(const AccessToken& token) {
  JsonObject json;
  json.text("name", token.name)
      .text("team", token.team)
      .text("description", token.description)
      .number("created_ms", token.created_ms)
      .text("created_by", token.created_by)
      .number("last_used_ms", token.last_used_ms);
  return json;
}

JsonObject aclJson(const AclEntry& entry) {
  JsonObject json;
  json.text("resource_type", entry.resource_type)
      .text("resource_name", entry.resource_name)
      .text("principal_type", entry.principal_type)
      .text("principal_name", entry.principal_name)
      .text("permission", entry.permission)
      .number("created_ms", entry.created_ms)
      .text("created_by", entry.created_by);
  return json;
}

int tokenCreate(const Context& context, const ParsedArgs& args) {
  auto team = args.value("team");
  if (!team) throw UsageError("--team is required");
  AdminClient admin(context.adminConfig());
  auto created =
      admin.createToken(args.positionals[0], *team, args.value("description").value_or(""));
  if (context.json) {
    *context.out << tokenJson(created.token).text("secret", created.secret).str() << "\n";
  } else {
    *context.out << fmt::format(
        "created token `{}` for team {}\n{}\n"
        "This is the only time the secret is shown: store it now (only its hash is kept).\n",
        created.token.name, created.token.team, created.secret);
  }
  return 0;
}

int tokenList(const Context& context, const ParsedArgs& args) {
  AdminClient admin(context.adminConfig());
  auto tokens = admin.listTokens(args.value("team").value_or(""));
  if (context.json) {
    for (const auto& token : tokens) *context.out << tokenJson(token).str() << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows{
      {"NAME", "TEAM", "CREATED", "CREATED BY", "LAST USED", "DESCRIPTION"}};
  for (const auto& t : tokens) {
    rows.push_back({t.name, t.team, formatTime(t.created_ms), t.created_by,
                    formatTime(t.last_used_ms), t.description});
  }
  *context.out << formatTable(rows);
  return 0;
}

int tokenRevoke(const Context& context, const ParsedArgs& args) {
  AdminClient admin(context.adminConfig());
  admin.revokeToken(args.positionals[0]);
  if (context.json) {
    *context.out << JsonObject().text("name", args.positionals[0]).boolean("revoked", true).str()
                 << "\n";
  } else {
    *context.out << fmt::format(
        "revoked token `{}` (brokers refuse it within their auth-refresh)\n", args.positionals[0]);
  }
  return 0;
}

// The grant named by PERMISSION and the resource and principal flags.
AclEntry aclFromArgs(const ParsedArgs& args) {
  AclEntry entry;
  entry.permission = args.positionals[0];
  int resources = 0;
  if (auto topic = args.value("topic")) {
    entry.resource_type = "topic";
    entry.resource_name = *topic;
    ++resources;
  }
  if (auto group = args.value("group")) {
    entry.resource_type = "group";
    entry.resource_name = *group;
    ++resources;
  }
  if (args.has("cluster")) {
    entry.resource_type = "cluster";
    entry.resource_name = "*";
    ++resources;
  }
  if (resources != 1) throw UsageError("give exactly one of --topic, --group or --cluster");
  int principals = 0;
  if (auto token = args.value("token")) {
    entry.principal_type = "token";
    entry.principal_name = *token;
    ++principals;
  }
  if (auto team = args.value("team")) {
    entry.principal_type = "team";
    entry.principal_name = *team;
    ++principals;
  }
  if (principals != 1) throw UsageError("give exactly one of --token or --team");
  return entry;
}

std::string aclText(const AclEntry& e) {
  return fmt::format("{} on {} {} for {} {}", e.permission, e.resource_type, e.resource_name,
                     e.principal_type, e.principal_name);
}

int aclGrant(const Context& context, const ParsedArgs& args) {
  AdminClient admin(context.adminConfig());
  auto granted = admin.grantAcl(aclFromArgs(args));
  if (context.json) {
    *context.out << aclJson(granted).str() << "\n";
  } else {
    *context.out << "granted " << aclText(granted) << "\n";
  }
  return 0;
}

int aclRevoke(const Context& context, const ParsedArgs& args) {
  auto entry = aclFromArgs(args);
  AdminClient admin(context.adminConfig());
  admin.revokeAcl(entry);
  if (context.json) {
    *context.out << aclJson(entry).boolean("revoked", true).str() << "\n";
  } else {
    *context.out << "revoked " << aclText(entry) << "\n";
  }
  return 0;
}

int aclList(const Context& context, const ParsedArgs& args) {
  AdminClient admin(context.adminConfig());
  auto token = args.value("token");
  auto team = args.value("team");
  std::vector<std::vector<std::string>> rows{
      {"PERMISSION", "RESOURCE", "NAME", "PRINCIPAL", "WHO", "CREATED", "CREATED BY"}};
  for (const auto& e : admin.listAcls()) {
    if (token && !(e.principal_type == "token" && e.principal_name == *token)) continue;
    if (team && !(e.principal_type == "team" && e.principal_name == *team)) continue;
    if (context.json) {
      *context.out << aclJson(e).str() << "\n";
      continue;
    }
    rows.push_back({e.permission, e.resource_type, e.resource_name, e.principal_type,
                    e.principal_name, formatTime(e.created_ms), e.created_by});
  }
  if (!context.json) *context.out << formatTable(rows);
  return 0;
}

const char* kAclHelp =
    "PERMISSION is produce, consume or admin (admin implies the other two). The resource is\n"
    "a topic or group name, a prefix ending in * (--topic 'orders.*'), * for all, or the\n"
    "cluster (control-plane changes and token management). The principal is one token or\n"
    "every token of a team.";

std::vector<FlagSpec> aclFlags() {
  return {{"topic", "NAME", "a topic, a prefix ending in *, or *"},
          {"group", "NAME", "a consumer group, a prefix ending in *, or *"},
          {"cluster", "", "the cluster"},
          {"token", "NAME", "grant to this token"},
          {"team", "TEAM", "grant to every token of this team"}};
}

}  // namespace

std::vector<Command> accessCommands() {
  return {
      {"token create",
       "NAME",
       "issue an access token; prints its secret once",
       "The secret (mq_ and 64 hex digits) is printed once and never stored: only its\n"
       "SHA-256 is. Clients send it with every request (client setting `token`, mqctl\n"
       "--token-file or $MQ_TOKEN).",
       {{"team", "TEAM", "the team the token belongs to (required)"},
        {"description", "TEXT", "what the token is for"}},
       1,
       tokenCreate},
      {"token list",
       "",
       "list access tokens (never their secrets)",
       "",
       {{"team", "TEAM", "only this team's tokens"}},
       0,
       tokenList},
      {"token revoke", "NAME", "revoke an access token and its own grants", "", {}, 1, tokenRevoke},
      {"acl grant", "PERMISSION", "grant a permission on a resource", kAclHelp, aclFlags(), 1,
       aclGrant},
      {"acl revoke", "PERMISSION", "revoke a grant", kAclHelp, aclFlags(), 1, aclRevoke},
      {"acl list",
       "",
       "list grants",
       "",
       {{"token", "NAME", "only grants to this token"},
        {"team", "TEAM", "only grants to this team"}},
       0,
       aclList},
  };
}

}  // namespace mq::mqctl
