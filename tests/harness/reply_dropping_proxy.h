// A TCP proxy in front of a broker that loses replies: the replies of the first `drops`
// produce calls are swallowed after the broker committed them and the connection is cut,
// as a network failure right after the commit would. For tests of idempotent retries.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/harness/free_port.h"

namespace mq::test {

class ReplyDroppingProxy {
 public:
  ReplyDroppingProxy(int broker_port, int drops) : broker_port_(broker_port), drops_(drops) {
    listen_fd_ = listenOnLoopback(16, &port_);
    acceptor_ = std::thread([this] { acceptLoop(); });
  }
  ~ReplyDroppingProxy() {
    running_ = false;
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    acceptor_.join();
    std::lock_guard<std::mutex> lock(mutex_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    for (auto& t : pumps_) t.join();
    for (int fd : fds_) ::close(fd);
  }
  int port() const { return port_; }
  int dropped() const { return dropped_; }

 private:
  void acceptLoop() {
    while (running_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      int client = ::accept(listen_fd_, nullptr, nullptr);
      if (client < 0) continue;
      int broker = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      address.sin_port = htons(static_cast<uint16_t>(broker_port_));
      if (::connect(broker, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
        ::close(client);
        ::close(broker);
        continue;
      }
      std::lock_guard<std::mutex> lock(mutex_);
      fds_.push_back(client);
      fds_.push_back(broker);
      pumps_.emplace_back([=] { copyRequests(client, broker); });
      pumps_.emplace_back([=] { copyReplies(broker, client); });
    }
  }
  static bool readFully(int fd, char* buffer, size_t size) {
    size_t done = 0;
    while (done < size) {
      ssize_t n = ::read(fd, buffer + done, size - done);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
  static bool writeFully(int fd, const char* buffer, size_t size) {
    size_t done = 0;
    while (done < size) {
      ssize_t n = ::send(fd, buffer + done, size - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
  static void copyRequests(int from, int to) {
    char buffer[65536];
    while (true) {
      ssize_t n = ::read(from, buffer, sizeof(buffer));
      if (n <= 0 || !writeFully(to, buffer, static_cast<size_t>(n))) break;
    }
    ::shutdown(to, SHUT_RDWR);
    ::shutdown(from, SHUT_RDWR);
  }
  // Framed binary protocol: 4-byte length, then version|type (4), name length (4), name.
  void copyReplies(int from, int to) {
    while (true) {
      char header[4];
      if (!readFully(from, header, 4)) break;
      uint32_t length = ntohl(*reinterpret_cast<uint32_t*>(header));
      std::string frame(length, '\0');
      if (!readFully(from, frame.data(), length)) break;
      std::string name;
      if (length >= 8) {
        uint32_t name_length = ntohl(*reinterpret_cast<const uint32_t*>(frame.data() + 4));
        if (8 + name_length <= length) name = frame.substr(8, name_length);
      }
      if (name == "produce" && drops_ > 0) {
        --drops_;
        ++dropped_;
        break;  // the reply is lost and the connection dies
      }
      if (!writeFully(to, header, 4) || !writeFully(to, frame.data(), length)) break;
    }
    ::shutdown(to, SHUT_RDWR);
    ::shutdown(from, SHUT_RDWR);
  }

  int broker_port_;
  std::atomic<int> drops_;
  std::atomic<int> dropped_{0};
  std::atomic<bool> running_{true};
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<int> fds_;
  std::vector<std::thread> pumps_;
};

}  // namespace mq::test
