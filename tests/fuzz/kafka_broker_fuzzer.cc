// libFuzzer target: the Kafka front door's real handlers, in a running broker. Each input is
// one request frame (as the listener reads it after the 4-byte size: header, then body); it is
// sent with its size to the broker's Kafka listener over loopback, on a connection of its
// own, and whatever comes back within 200 ms is read and dropped. Then the broker must still
// be serving: a fresh connection's ApiVersions v0 is answered with its correlation id within
// 10 s, else the target aborts (the input before is the finding; the broker's log says why).
// The broker is the ASan build's, so a memory error kills it too; what this finds is a broker
// that dies or stops answering on some request, whatever the handler: decode, authorize,
// delegate.
//
// Set MQ_FUZZ_KAFKA=HOST:PORT (tests/fuzz/run_fuzzer.sh target kafka-broker starts a private
// stack and sets it). Topic administration (CreateTopics, DeleteTopics, CreatePartitions) is
// skipped: random names would create MariaDB tables by the thousand; the decoding of those
// requests is kafka_fuzzer's.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

sockaddr_in brokerAddress() {
  static sockaddr_in address = [] {
    const char* target = std::getenv("MQ_FUZZ_KAFKA");
    if (!target) {
      std::fprintf(stderr, "kafka_broker_fuzzer: set MQ_FUZZ_KAFKA=HOST:PORT\n");
      std::abort();
    }
    const std::string text = target;
    const auto colon = text.rfind(':');
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(std::atoi(text.c_str() + colon + 1)));
    if (colon == std::string::npos ||
        inet_pton(AF_INET, text.substr(0, colon).c_str(), &a.sin_addr) != 1) {
      std::fprintf(stderr, "kafka_broker_fuzzer: bad MQ_FUZZ_KAFKA `%s`\n", target);
      std::abort();
    }
    return a;
  }();
  return address;
}

int connectToBroker() {
  const sockaddr_in address = brokerAddress();
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool sendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Reads up to `want` bytes within timeout_ms in all; returns what arrived.
std::string readFor(int fd, size_t want, int timeout_ms) {
  std::string out;
  char buffer[65536];
  while (out.size() < want) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) break;
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

std::string sizePrefixed(const uint8_t* data, size_t size) {
  std::string frame(4, '\0');
  const uint32_t length = htonl(static_cast<uint32_t>(size));
  std::memcpy(frame.data(), &length, 4);
  frame.append(reinterpret_cast<const char*>(data), size);
  return frame;
}

// ApiVersions v0 (header v1, client id "fuzz-alive", empty body) gets its correlation id back.
void checkAlive() {
  static const uint8_t request[] = {0,   18,  0,   0,   0x12, 0x34, 0x56, 0x78, 0,   10,
                                    'f', 'u', 'z', 'z', '-',  'a',  'l',  'i',  'v', 'e'};
  const std::string frame = sizePrefixed(request, sizeof request);
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int fd = connectToBroker();
    if (fd >= 0) {
      std::string answer;
      if (sendAll(fd, frame)) answer = readFor(fd, 8, 10000);
      close(fd);
      if (answer.size() >= 8 && std::memcmp(answer.data() + 4, request + 4, 4) == 0) return;
    }
    usleep(200000);
  }
  std::fprintf(stderr, "kafka_broker_fuzzer: the broker stopped answering ApiVersions\n");
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size >= 2) {
    const int api_key = (data[0] << 8) | data[1];
    if (api_key == 19 || api_key == 20 || api_key == 37) return 0;  // topic administration
  }
  const int fd = connectToBroker();
  if (fd < 0) {
    checkAlive();  // aborts when it is gone
    return 0;
  }
  if (sendAll(fd, sizePrefixed(data, size))) readFor(fd, 1 << 20, 200);
  close(fd);
  checkAlive();
  return 0;
}
