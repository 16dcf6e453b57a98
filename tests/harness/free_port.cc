#include "tests/harness/free_port.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>

namespace mq::test {
namespace {

// True if nothing on this host holds 127.0.0.1:port (a listener, or a connection using it as
// its local port). No SO_REUSEADDR, so a port with sockets in TIME_WAIT counts as taken too.
bool canBind(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return free;
}

// The lowest port the kernel hands out to outgoing connections (Linux default 32768).
int ephemeralLow() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  return (range >> low) && low > 0 ? low : 32768;
}

}  // namespace

int freePort() {
  // Ports are taken below the ephemeral range, so an outgoing connection of a parallel test
  // cannot grab a port between this check and the daemon's bind (the kernel picks those from
  // the ephemeral range only). Parallel test processes (ctest -j, other checkouts) reserve a
  // port with an flock on a shared lock file, held until this process exits.
  constexpr int kLow = 20000;
  const int high = std::max(kLow + 1000, std::min(32000, ephemeralLow()));
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  const std::string dir = "/tmp/mq-test-ports";
  std::filesystem::create_directories(dir);
  std::filesystem::permissions(dir, std::filesystem::perms::all,
                               std::filesystem::perm_options::add);
  std::mt19937 random(std::random_device{}());
  const int span = high - kLow;
  const int start = static_cast<int>(random() % static_cast<unsigned>(span));
  for (int i = 0; i < span; ++i) {
    int port = kLow + (start + i) % span;
    int fd = open((dir + "/" + std::to_string(port)).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) continue;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      close(fd);
      continue;
    }
    if (!canBind(port)) {
      close(fd);
      continue;
    }
    return port;  // fd stays open: the reservation lasts as long as this test process
  }
  throw std::runtime_error(fmt::format("no free port in {}..{}", kLow, high));
}

int listenOnLoopback(int backlog, int* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (fd < 0 || ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      ::listen(fd, backlog) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot listen on a loopback port");
  }
  *port = ntohs(address.sin_port);
  return fd;
}

}  // namespace mq::test
