#include "server/malloc_tcache.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace mq {
namespace {

constexpr const char* kTcacheTunable = "glibc.malloc.tcache_count";

}  // namespace

std::string useMallocTcache(int count, char** argv) {
  if (count <= 0) return {};
  const char* current = std::getenv("GLIBC_TUNABLES");
  if (current != nullptr && std::strstr(current, kTcacheTunable) != nullptr) return {};
  // Copied: setenv may replace the string `current` points to.
  const std::optional<std::string> previous =
      current != nullptr ? std::optional<std::string>(current) : std::nullopt;
  const std::string tunables = previous && !previous->empty()
                                   ? fmt::format("{}:{}={}", *previous, kTcacheTunable, count)
                                   : fmt::format("{}={}", kTcacheTunable, count);
  if (setenv("GLIBC_TUNABLES", tunables.c_str(), 1) != 0) {
    return fmt::format("cannot set GLIBC_TUNABLES: {}", std::strerror(errno));
  }
  execv("/proc/self/exe", argv);
  const int error = errno;  // execv returns only when it failed
  if (previous) {
    setenv("GLIBC_TUNABLES", previous->c_str(), 1);
  } else {
    unsetenv("GLIBC_TUNABLES");
  }
  return fmt::format("cannot execute /proc/self/exe again with GLIBC_TUNABLES={}: {}", tunables,
                     std::strerror(error));
}

}  // namespace mq
