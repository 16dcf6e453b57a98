// mqctl's entry point as a function, so tests can run it with their own streams.
#pragma once

#include <string>
#include <vector>

#include "client/mqctl/commands.h"

namespace mq::mqctl {

// Parses global flags and the command, runs it, and returns the exit status: 0 on
// success, 1 when the command failed (message on context.err), 2 for usage errors.
// context supplies the streams; its settings are overwritten by the global flags.
int runMqctl(const std::vector<std::string>& args, Context context);

}  // namespace mq::mqctl
