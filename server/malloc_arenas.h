// glibc malloc arenas of a thread-per-connection daemon. glibc gives threads up to 8 arenas
// per core; each arena keeps the high-water mark of the large buffers its threads allocated
// (request frames, multi-row INSERT text), so many connection threads each touching a few
// MiB kept the broker's resident memory at 2x its live data (docs/perf.md, broker memory).
#pragma once

namespace mq {

// Caps the number of malloc arenas at `arenas` (0: leave glibc's default). An operator's
// MALLOC_ARENA_MAX environment variable wins. Call once at start-up, before threads start.
void limitMallocArenas(int arenas);

}  // namespace mq
