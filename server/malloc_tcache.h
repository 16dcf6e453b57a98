// glibc's per-thread cache of freed small blocks (its tcache) for a thread-per-connection
// daemon. By default a thread keeps 7 freed blocks of each small size; the rest go back to
// the shared arena's fast bins. A fetch or produce of a few hundred messages frees as many
// header-map nodes and small strings at once, and the next 1 KiB payload malloc then merges
// the fast bins back (malloc_consolidate): at e2e 40,000 msg/s, glibc's malloc and free were
// about 30 % of the broker's CPU samples. Keeping 1,024 blocks per size in each thread took
// 15 % of the broker's CPU off there (docs/perf.md, "glibc's tcache").
#pragma once

#include <string>

namespace mq {

// Makes glibc keep `count` freed blocks of each small size per thread (0: glibc's default).
// glibc reads that setting only when a program starts, from GLIBC_TUNABLES, so unless the
// environment names glibc.malloc.tcache_count already (an operator's own setting wins, and the
// program started again here sees it), this adds it and executes the program again: its own
// file (by name, so that the process keeps its name; /proc/self/exe if that file is gone) with
// the same arguments, in the same process (same id, open files and signal mask). Call
// it in main() before any thread starts. Returns only when nothing was to be done (empty
// string) or the program could not be executed again (what failed; it then runs on with
// glibc's default).
std::string useMallocTcache(int count, char** argv);

}  // namespace mq
