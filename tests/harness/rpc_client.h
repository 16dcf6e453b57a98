// A raw Thrift client (framed, binary) for tests that speak the wire protocol directly:
// bad input, protocol edge cases, and checks that do not go through the client library. Its
// framing is the servers' own (common/framed_transport.h).
#pragma once

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TSocket.h>

#include <memory>
#include <string>

#include "common/framed_transport.h"
#include "common/tls.h"

namespace mq::test {

template <typename Client>
class RpcClient {
 public:
  // `tls` null: plaintext.
  RpcClient(const std::string& host, int port, int timeout_ms = 30000,
            const std::shared_ptr<TlsSocketFactory>& tls = nullptr)
      : socket_(tls ? tls->clientSocket(host, port, nullptr)
                    : std::make_shared<apache::thrift::transport::TSocket>(host, port)) {
    socket_->setConnTimeout(3000);
    socket_->setRecvTimeout(timeout_ms);
    socket_->setSendTimeout(timeout_ms);
    transport_ = std::make_shared<FramedTransport>(socket_);
    client_ = std::make_unique<Client>(
        std::make_shared<apache::thrift::protocol::TBinaryProtocol>(transport_));
    transport_->open();
  }
  ~RpcClient() {
    try {
      transport_->close();
    } catch (...) {
    }
  }
  Client* operator->() { return client_.get(); }

 private:
  std::shared_ptr<apache::thrift::transport::TSocket> socket_;
  std::shared_ptr<apache::thrift::transport::TTransport> transport_;
  std::unique_ptr<Client> client_;
};

}  // namespace mq::test
