// A minimal Kafka protocol client for integration tests: raw frames over a TCP socket,
// encoded and decoded with the broker's own codec (broker/kafka/protocol), for what the
// unmodified clients (kcat, confluent-kafka) cannot be made to send: unsupported versions,
// oversize and malformed frames, pipelined requests, chosen producer sequences.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "broker/kafka/protocol/fields.h"
#include "broker/kafka/protocol/headers.h"

namespace mq::test {

class KafkaWireClient {
 public:
  explicit KafkaWireClient(int port);
  ~KafkaWireClient();
  KafkaWireClient(const KafkaWireClient&) = delete;
  KafkaWireClient& operator=(const KafkaWireClient&) = delete;

  // A request frame: header v1 (or v2 when `flexible`) and `body`.
  static std::string frame(int16_t api_key, int16_t version, int32_t correlation_id,
                           const std::string& body, bool flexible = false);
  // Sends a request frame (see frame()).
  void send(int16_t api_key, int16_t version, int32_t correlation_id, const std::string& body,
            bool flexible = false);
  // Sends raw bytes as they are.
  void sendRaw(const std::string& bytes);
  // Reads one response frame (correlation id and the rest); nullopt when the broker closed
  // the connection or nothing came within timeout_ms.
  struct Response {
    int32_t correlation_id = 0;
    std::string body;  // after the correlation id (a flexible header's tags included)
  };
  std::optional<Response> receive(int timeout_ms = 10000);
  // True when the broker closed the connection (end of stream or reset) within timeout_ms.
  bool closedByPeer(int timeout_ms = 5000);

  // Encodes, sends and decodes one request of a message type of broker/kafka/protocol.
  template <class Response_, class Request>
  Response_ call(int16_t api_key, int16_t version, const Request& request, bool flexible_header) {
    const int32_t id = next_id_++;
    send(api_key, version, id, kafka::encodeMessage(request, version), flexible_header);
    auto response = receive();
    if (!response || response->correlation_id != id) throw std::runtime_error("no response");
    std::string_view body = response->body;
    if (flexible_header) body.remove_prefix(1);  // empty tagged fields of header v1
    return kafka::decodeMessage<Response_>(body, version);
  }

 private:
  bool readFully(char* data, size_t size, int timeout_ms);
  int fd_ = -1;
  int32_t next_id_ = 1000;
};

}  // namespace mq::test
