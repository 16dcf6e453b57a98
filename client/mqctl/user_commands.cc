// mqctl user list|create|delete|set-password and team list|create|delete|add-member|
// remove-member: the portal's users and teams (docs/portal.md, docs/client.md), through the
// metaserver's HTTP API as a signed-in portal user (PortalClient), so the portal's rules
// (admins only), validation and audit log apply unchanged.
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "client/mqctl/commands.h"
#include "client/mqctl/json_writer.h"
#include "client/mqctl/portal_client.h"
#include "client/mqctl/portal_login.h"

namespace mq::mqctl {

namespace {

namespace pt = boost::property_tree;

// The new password of `user create` / `user set-password`: one line from stdin with
// --password-stdin, else "" (the metaserver generates one and shows it once).
std::string newPassword(const Context& context, const ParsedArgs& args) {
  if (!args.has("password-stdin")) return "";
  std::string line;
  if (!std::getline(*context.in, line) || line.empty()) {
    throw UsageError("--password-stdin: no password on standard input");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::vector<std::string> texts(const pt::ptree& json, const std::string& path) {
  std::vector<std::string> values;
  if (auto list = json.get_child_optional(path)) {
    for (const auto& [k, v] : *list) values.push_back(v.data());
  }
  return values;
}

// "a,b"; `none` when there are none.
std::string joined(const std::vector<std::string>& values, const std::string& none = "-") {
  std::string text;
  for (const auto& v : values) text += (text.empty() ? "" : ",") + v;
  return text.empty() ? none : text;
}

JsonObject userJson(const pt::ptree& user) {
  JsonObject json;
  json.text("name", user.get<std::string>("name"))
      .boolean("admin", user.get<bool>("admin", false))
      .number("created_ms", user.get<int64_t>("created_ms", 0))
      .number("password_ms", user.get<int64_t>("password_ms", 0))
      .text("teams", joined(texts(user, "teams"), ""));
  return json;
}

JsonObject teamJson(const pt::ptree& team) {
  JsonObject json;
  json.text("name", team.get<std::string>("name"))
      .text("description", team.get<std::string>("description", ""))
      .number("created_ms", team.get<int64_t>("created_ms", 0))
      .text("members", joined(texts(team, "members"), ""));
  return json;
}

void printPassword(const Context& context, const std::string& user, const pt::ptree& answer,
                   const char* done) {
  const std::string password = answer.get<std::string>("password", "");
  if (context.json) {
    JsonObject json;
    json.text("user", user).boolean(done, true);
    if (!password.empty()) json.text("password", password);
    *context.out << json.str() << "\n";
    return;
  }
  *context.out << fmt::format("{} user `{}`\n", done, user);
  if (!password.empty()) {
    *context.out << fmt::format("generated password (shown once): {}\n", password);
  }
}

// --- users -----------------------------------------------------------------------------

int userList(const Context& context, const ParsedArgs& args) {
  PortalClient portal(loginFrom(context, args));
  const auto answer = portal.call("GET", "/api/users");
  std::vector<std::vector<std::string>> rows{{"NAME", "ADMIN", "TEAMS", "CREATED", "PASSWORD SET"}};
  for (const auto& [k, user] : answer.get_child("users")) {
    if (context.json) {
      *context.out << userJson(user).str() << "\n";
      continue;
    }
    rows.push_back({user.get<std::string>("name"), user.get<bool>("admin") ? "yes" : "no",
                    joined(texts(user, "teams")), formatTime(user.get<int64_t>("created_ms")),
                    formatTime(user.get<int64_t>("password_ms"))});
  }
  if (!context.json) *context.out << formatTable(rows);
  return 0;
}

int userCreate(const Context& context, const ParsedArgs& args) {
  const std::string name = args.positionals[0];
  std::string body = fmt::format(R"({{"name":{},"admin":{})", PortalClient::quote(name),
                                 args.has("admin") ? "true" : "false");
  std::string teams;
  for (const auto& team : args.values("team")) {
    teams += (teams.empty() ? "" : ",") + PortalClient::quote(team);
  }
  body += fmt::format(R"(,"teams":[{}])", teams);
  const std::string password = newPassword(context, args);
  if (!password.empty()) body += fmt::format(R"(,"password":{})", PortalClient::quote(password));
  body += "}";
  PortalClient portal(loginFrom(context, args));
  const auto answer = portal.call("POST", "/api/users", body);
  printPassword(context, name, answer, "created");
  return 0;
}

int userDelete(const Context& context, const ParsedArgs& args) {
  const std::string name = args.positionals[0];
  PortalClient portal(loginFrom(context, args));
  portal.call("DELETE", "/api/users/" + PortalClient::segment(name));
  if (context.json) {
    *context.out << JsonObject().text("user", name).boolean("deleted", true).str() << "\n";
  } else {
    *context.out << fmt::format("deleted user `{}` (their sessions ended)\n", name);
  }
  return 0;
}

int userSetPassword(const Context& context, const ParsedArgs& args) {
  const std::string name = args.positionals[0];
  const std::string password = newPassword(context, args);
  PortalClient portal(loginFrom(context, args));
  const auto answer = portal.call(
      "POST", "/api/users/" + PortalClient::segment(name) + "/password",
      password.empty() ? "{}" : fmt::format(R"({{"password":{}}})", PortalClient::quote(password)));
  printPassword(context, name, answer, "set the password of");
  return 0;
}

// --- teams -----------------------------------------------------------------------------

void printTeam(const Context& context, const pt::ptree& team, const std::string& what) {
  if (context.json) {
    *context.out << teamJson(team).str() << "\n";
  } else {
    *context.out << fmt::format("{} team `{}` (members: {})\n", what, team.get<std::string>("name"),
                                joined(texts(team, "members")));
  }
}

int teamList(const Context& context, const ParsedArgs& args) {
  PortalClient portal(loginFrom(context, args));
  const auto answer = portal.call("GET", "/api/teams");
  std::vector<std::vector<std::string>> rows{{"NAME", "MEMBERS", "CREATED", "DESCRIPTION"}};
  for (const auto& [k, team] : answer.get_child("teams")) {
    if (context.json) {
      *context.out << teamJson(team).str() << "\n";
      continue;
    }
    rows.push_back({team.get<std::string>("name"), joined(texts(team, "members")),
                    formatTime(team.get<int64_t>("created_ms")),
                    team.get<std::string>("description", "")});
  }
  if (!context.json) *context.out << formatTable(rows);
  return 0;
}

int teamCreate(const Context& context, const ParsedArgs& args) {
  PortalClient portal(loginFrom(context, args));
  const auto team = portal.call(
      "POST", "/api/teams",
      fmt::format(R"({{"name":{},"description":{}}})", PortalClient::quote(args.positionals[0]),
                  PortalClient::quote(args.value("description").value_or(""))));
  printTeam(context, team, "created");
  return 0;
}

int teamDelete(const Context& context, const ParsedArgs& args) {
  const std::string name = args.positionals[0];
  PortalClient portal(loginFrom(context, args));
  portal.call("DELETE", "/api/teams/" + PortalClient::segment(name));
  if (context.json) {
    *context.out << JsonObject().text("team", name).boolean("deleted", true).str() << "\n";
  } else {
    *context.out << fmt::format(
        "deleted team `{}` (its topics and groups keep the name: admins only until "
        "reassigned)\n",
        name);
  }
  return 0;
}

int teamAddMember(const Context& context, const ParsedArgs& args) {
  PortalClient portal(loginFrom(context, args));
  const auto team =
      portal.call("POST", "/api/teams/" + PortalClient::segment(args.positionals[0]) + "/members",
                  fmt::format(R"({{"user":{}}})", PortalClient::quote(args.positionals[1])));
  printTeam(context, team, fmt::format("added `{}` to", args.positionals[1]));
  return 0;
}

int teamRemoveMember(const Context& context, const ParsedArgs& args) {
  PortalClient portal(loginFrom(context, args));
  const auto team =
      portal.call("DELETE", "/api/teams/" + PortalClient::segment(args.positionals[0]) +
                                "/members/" + PortalClient::segment(args.positionals[1]));
  printTeam(context, team, fmt::format("removed `{}` from", args.positionals[1]));
  return 0;
}

const char* kLoginHelp =
    "Works through the metaserver's HTTP API, signed in as a portal user (--login, an admin\n"
    "for every change), so the portal's rules, validation and audit log apply.";

}  // namespace

std::vector<Command> userCommands() {
  const FlagSpec password_stdin{"password-stdin", "",
                                "read the new password (12..256 characters) from the first "
                                "line of standard input instead of generating one"};
  return {
      {"user list", "", "list portal users with their teams (admins)", kLoginHelp, withLogin({}), 0,
       userList},
      {"user create", "NAME", "create a portal user",
       std::string(kLoginHelp) +
           "\nWithout --password-stdin the metaserver generates a password; it is printed once.",
       withLogin({{"admin", "", "make the user an admin"},
                  {"team", "TEAM", "put the user in TEAM (repeatable)", true},
                  password_stdin}),
       1, userCreate},
      {"user delete", "NAME", "delete a portal user (ends their sessions)", kLoginHelp,
       withLogin({}), 1, userDelete},
      {"user set-password", "NAME", "set a portal user's password (ends their sessions)",
       std::string(kLoginHelp) +
           "\nWithout --password-stdin the metaserver generates a password; it is printed once.",
       withLogin({password_stdin}), 1, userSetPassword},
      {"team list", "", "list teams with their members", kLoginHelp, withLogin({}), 0, teamList},
      {"team create", "NAME", "create a team (admins)", kLoginHelp,
       withLogin({{"description", "TEXT", "what the team does (at most 1024 characters)"}}), 1,
       teamCreate},
      {"team delete", "NAME", "delete a team (admins)", kLoginHelp, withLogin({}), 1, teamDelete},
      {"team add-member", "TEAM USER", "add USER to TEAM (admins)", kLoginHelp, withLogin({}), 2,
       teamAddMember},
      {"team remove-member", "TEAM USER", "remove USER from TEAM (admins)", kLoginHelp,
       withLogin({}), 2, teamRemoveMember},
  };
}

}  // namespace mq::mqctl
