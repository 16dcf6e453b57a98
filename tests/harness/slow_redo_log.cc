// Fault injection for tests, loaded into a MariaDB server with LD_PRELOAD
// (MariadbSettings::preload): every write to the server's redo log (ib_logfile*) is
// delayed by MQ_SLOW_REDO_LOG_US microseconds (30,000 when unset). InnoDB shows a commit
// to readers before it writes the commit to the redo log; slowing the write widens that
// window from microseconds to tens of milliseconds, so that a test can read rows a kill -9
// then takes back (tests/integration/durable_fetch_test.cc). Nothing else changes.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

bool isRedoLog(int fd) {
  char link[64];
  char path[1024];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return false;
  path[n] = '\0';
  const char* name = std::strrchr(path, '/');
  return name != nullptr && std::strncmp(name + 1, "ib_logfile", 10) == 0;
}

void delayRedoLogWrite(int fd) {
  static const long delay_us = [] {
    const char* value = std::getenv("MQ_SLOW_REDO_LOG_US");
    return value != nullptr ? std::atol(value) : 30000L;
  }();
  if (delay_us > 0 && isRedoLog(fd)) usleep(static_cast<useconds_t>(delay_us));
}

template <typename Fn>
Fn next(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  static const auto real = next<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite");
  delayRedoLogWrite(fd);
  return real(fd, buf, count, offset);
}

extern "C" ssize_t pwrite64(int fd, const void* buf, size_t count, off64_t offset) {
  static const auto real = next<ssize_t (*)(int, const void*, size_t, off64_t)>("pwrite64");
  delayRedoLogWrite(fd);
  return real(fd, buf, count, offset);
}
