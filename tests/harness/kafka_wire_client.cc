#include "tests/harness/kafka_wire_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace mq::test {

KafkaWireClient::KafkaWireClient(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd_);
    throw std::runtime_error("cannot connect to the Kafka port " + std::to_string(port));
  }
}

KafkaWireClient::~KafkaWireClient() { ::close(fd_); }

std::string KafkaWireClient::frame(int16_t api_key, int16_t version, int32_t correlation_id,
                                   const std::string& body, bool flexible) {
  kafka::WireWriter out;
  out.int32(0);
  kafka::writeRequestHeader({api_key, version, correlation_id, std::string("wire-test")}, flexible,
                            out);
  out.raw(body);
  out.patchInt32(0, static_cast<int32_t>(out.size() - 4));
  return std::move(out.buffer());
}

void KafkaWireClient::send(int16_t api_key, int16_t version, int32_t correlation_id,
                           const std::string& body, bool flexible) {
  sendRaw(frame(api_key, version, correlation_id, body, flexible));
}

void KafkaWireClient::sendRaw(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send failed");
    sent += static_cast<size_t>(n);
  }
}

bool KafkaWireClient::readFully(char* data, size_t size, int timeout_ms) {
  while (size > 0) {
    pollfd waiting{fd_, POLLIN, 0};
    if (::poll(&waiting, 1, timeout_ms) <= 0) return false;
    const ssize_t n = ::recv(fd_, data, size, 0);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

std::optional<KafkaWireClient::Response> KafkaWireClient::receive(int timeout_ms) {
  char size_bytes[4];
  if (!readFully(size_bytes, 4, timeout_ms)) return std::nullopt;
  kafka::WireReader size_in(std::string_view(size_bytes, 4));
  const int32_t size = size_in.int32();
  if (size < 4) return std::nullopt;
  std::string frame(static_cast<size_t>(size), '\0');
  if (!readFully(frame.data(), frame.size(), timeout_ms)) return std::nullopt;
  kafka::WireReader in(frame);
  Response response;
  response.correlation_id = in.int32();
  response.body = frame.substr(4);
  return response;
}

bool KafkaWireClient::closedByPeer(int timeout_ms) {
  pollfd waiting{fd_, POLLIN, 0};
  if (::poll(&waiting, 1, timeout_ms) <= 0) return false;
  char byte;
  // End of stream, or a reset: a server that closes with unread bytes sends RST, not FIN.
  return ::recv(fd_, &byte, 1, MSG_PEEK) <= 0;
}

}  // namespace mq::test
