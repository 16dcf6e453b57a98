// What glibc's malloc does after mq::useMallocTcache (server/malloc_tcache.h), for
// tests/integration/malloc_tcache_test.cc. Usage: malloc_tcache_probe COUNT
//
// Prints "started <pid>" on start (so twice when it was executed again), then the
// GLIBC_TUNABLES it runs with and how many of 200 blocks of 64 bytes the main thread freed
// another thread's mallocs then got back from the (one) arena: with glibc's default tcache
// the freeing thread keeps 7 and the rest are the arena's for anyone; with one of 1,024 it
// keeps them all.
#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "server/malloc_tcache.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: malloc_tcache_probe COUNT\n");
    return 2;
  }
  std::printf("started %d\n", static_cast<int>(getpid()));
  std::fflush(stdout);  // before execv replaces the buffer
  const std::string failed = mq::useMallocTcache(std::atoi(argv[1]), argv);
  if (!failed.empty()) {
    std::fprintf(stderr, "%s\n", failed.c_str());
    return 1;
  }
  mallopt(M_ARENA_MAX, 1);  // both threads on the main arena
  constexpr int kBlocks = 200;
  std::set<void*> freed;
  std::vector<void*> blocks;
  for (int i = 0; i < kBlocks; ++i) blocks.push_back(std::malloc(64));
  for (void* block : blocks) {
    freed.insert(block);
    std::free(block);
  }
  int reused = 0;
  std::vector<void*> taken;
  std::thread other([&] {
    for (int i = 0; i < kBlocks; ++i) taken.push_back(std::malloc(64));
    for (void* block : taken) reused += static_cast<int>(freed.count(block));
    for (void* block : taken) std::free(block);
  });
  other.join();
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  std::printf("tunables %s\nreused %d\n", tunables != nullptr ? tunables : "", reused);
  return 0;
}
