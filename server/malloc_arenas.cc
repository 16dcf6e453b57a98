#include "server/malloc_arenas.h"

#include <malloc.h>

#include <cstdlib>

namespace mq {

void limitMallocArenas(int arenas) {
  if (arenas <= 0 || std::getenv("MALLOC_ARENA_MAX") != nullptr) return;
  mallopt(M_ARENA_MAX, arenas);
}

}  // namespace mq
