#include "server/malloc_tcache.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace mq {

std::string withTcacheCount(const char* current, int count) {
  std::string entry = fmt::format("{}={}", kTcacheTunable, count);
  if (current == nullptr || *current == '\0') return entry;
  return fmt::format("{}:{}", current, entry);
}

std::string useMallocTcache(int count, char** argv) {
  if (count <= 0) return {};
  const char* current = std::getenv("GLIBC_TUNABLES");
  if (current != nullptr && std::strstr(current, kTcacheTunable) != nullptr) return {};
  const std::string tunables = withTcacheCount(current, count);
  if (setenv("GLIBC_TUNABLES", tunables.c_str(), 1) != 0) {
    return fmt::format("cannot set GLIBC_TUNABLES: {}", std::strerror(errno));
  }
  execv("/proc/self/exe", argv);
  const int error = errno;  // execv returns only when it failed
  if (current != nullptr) {
    setenv("GLIBC_TUNABLES", current, 1);
  } else {
    unsetenv("GLIBC_TUNABLES");
  }
  return fmt::format("cannot execute /proc/self/exe again with GLIBC_TUNABLES={}: {}", tunables,
                     std::strerror(error));
}

}  // namespace mq
