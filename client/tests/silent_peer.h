// A TCP port that takes connections (the kernel completes them) and never answers: a hung
// broker, as a client sees one. For tests of what a client does while a reply never comes.
#pragma once

#include <unistd.h>

#include <string>

#include "tests/harness/free_port.h"

namespace mq::testing {

class SilentPeer {
 public:
  SilentPeer() : fd_(test::listenOnLoopback(64, &port_)) {}
  ~SilentPeer() { ::close(fd_); }
  SilentPeer(const SilentPeer&) = delete;
  SilentPeer& operator=(const SilentPeer&) = delete;

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int port_ = 0;  // declared before fd_, whose initialiser sets it
  int fd_;
};

}  // namespace mq::testing
