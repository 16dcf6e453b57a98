// How mqctl's commands that work through the portal's HTTP API (users, teams, search,
// trace) sign in: the flags --portal, --login and --password-file, and their environment
// variables ($MQ_PORTAL, $MQ_PORTAL_USER, $MQ_PORTAL_PASSWORD).
#pragma once

#include <vector>

#include "client/mqctl/commands.h"
#include "client/mqctl/portal_client.h"

namespace mq::mqctl {

// The sign-in the flags and environment say. Throws UsageError without a password.
PortalLogin loginFrom(const Context& context, const ParsedArgs& args);
// `flags` and the sign-in flags.
std::vector<FlagSpec> withLogin(std::vector<FlagSpec> flags);

}  // namespace mq::mqctl
