#include "server/malloc_tcache.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace mq {
namespace {

constexpr const char* kTcacheTunable = "glibc.malloc.tcache_count";
constexpr const char* kSelf = "/proc/self/exe";

// The program's file by its name. Executed through that name rather than /proc/self/exe, the
// process keeps its name (Linux takes it from the file executed): `ps`, `top` and
// `pgrep mq-broker` show mq-broker, not exe.
std::string ownPath() {
  char path[PATH_MAX];
  const ssize_t length = readlink(kSelf, path, sizeof path - 1);
  if (length <= 0) return kSelf;
  return std::string(path, static_cast<size_t>(length));
}

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
  const std::string path = ownPath();
  execv(path.c_str(), argv);
  // Returned: the file was replaced or deleted since this process started ("… (deleted)").
  if (path != kSelf) execv(kSelf, argv);
  const int error = errno;  // execv returns only when it failed
  if (previous) {
    setenv("GLIBC_TUNABLES", previous->c_str(), 1);
  } else {
    unsetenv("GLIBC_TUNABLES");
  }
  return fmt::format("cannot execute {} again with GLIBC_TUNABLES={}: {}", path, tunables,
                     std::strerror(error));
}

}  // namespace mq
