// Names the calling thread, so that `top -H`, `ps -L`, `perf report --sort comm` and gdb tell
// a daemon's threads apart (the event loop, the datanode writers, the pool, the heartbeat).
#pragma once

#include <string>

namespace mq {

// Linux keeps 15 characters of a thread's name: a longer `name` is cut to its first 15.
void nameThisThread(const std::string& name);

}  // namespace mq
