// One Thrift connection to a broker or the metaserver: TSocket (or TSSLSocket with TLS,
// common/tls.h) + FramedTransport (common/framed_transport.h) + TBinaryProtocol (the
// servers' wire format) with connect, send and receive timeouts. With TLS the handshake runs
// when the connection is opened, within the connect timeout.
// Opened lazily; after a failure that leaves the stream in an unknown state it is closed
// and reopened by the next call. Not thread-safe: one caller at a time (see
// ConnectionPool).
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>

#include "Broker.h"
#include "MetaService.h"
#include "client/host_port.h"

namespace apache::thrift::transport {
class TSocket;
class TTransport;
}  // namespace apache::thrift::transport

namespace mq {
class TlsSocketFactory;  // common/tls.h
}  // namespace mq

namespace mq::client {

struct ConnectionOptions {
  int64_t connect_ms = 3000;
  int64_t request_ms = 30000;
  // TLS (ClientConfig::tls), built once per client; null: plaintext.
  std::shared_ptr<TlsSocketFactory> tls;
};

// The untyped part of a connection: socket, transport, protocol, error conversion.
class RpcChannel {
 public:
  RpcChannel(HostPort address, ConnectionOptions options);
  ~RpcChannel();
  RpcChannel(const RpcChannel&) = delete;
  RpcChannel& operator=(const RpcChannel&) = delete;

  const HostPort& address() const { return address_; }
  const ConnectionOptions& options() const { return options_; }

  // Opens the connection if it is closed and sets the reply timeout of the next call to
  // request_ms + extra_wait_ms (extra_wait_ms covers a long-poll's server-side wait).
  // Returns the protocol; *reopened is true when it is a new one (clients built on the old
  // one must be rebuilt). Throws TransportError (request not sent) when connecting fails.
  std::shared_ptr<apache::thrift::protocol::TProtocol> prepare(int64_t extra_wait_ms,
                                                               bool* reopened);

  // Rethrows `failure` (thrown by a call on this channel) as an mq::Error: the server's
  // MqError as is; transport and protocol failures as TransportError, closing the
  // connection. Other exceptions are rethrown unchanged.
  [[noreturn]] void fail(std::exception_ptr failure);
  // A call on this channel got its reply.
  void answered();

  void close();
  // From another thread: shuts the connection down, so that a call waiting for its reply
  // fails at once; the next call opens a new one. A call whose thread's CallCancel was
  // cancelled (client/call_cancel.h) is not sent. Thread-safe with every other method.
  void interrupt();

 private:
  std::string tlsHandshakeFailure(const std::string& detail) const;
  std::string plainHint() const;

  HostPort address_;
  ConnectionOptions options_;
  int64_t reply_timeout_ms_ = 0;
  bool answered_ = false;  // a reply came over this connection
  // Guards socket_ and interrupted_ (interrupt() comes from another thread) and the
  // socket's closing, so that interrupt() never shuts down a descriptor reused since.
  std::mutex socket_mutex_;
  bool interrupted_ = false;
  std::shared_ptr<apache::thrift::transport::TSocket> socket_;
  std::shared_ptr<apache::thrift::transport::TTransport> transport_;
  std::shared_ptr<apache::thrift::protocol::TProtocol> protocol_;
};

// A typed connection: rpc::BrokerClient or rpc::MetaServiceClient.
template <class Client>
class RpcConnection {
 public:
  RpcConnection(HostPort address, ConnectionOptions options)
      : channel_(std::move(address), std::move(options)) {}

  const HostPort& address() const { return channel_.address(); }

  // Runs fn(client) (one RPC) and returns its result. Throws mq::Error (TransportError for
  // transport failures) as RpcChannel::fail describes.
  template <class Fn>
  auto call(Fn&& fn, int64_t extra_wait_ms = 0) -> decltype(fn(std::declval<Client&>())) {
    bool reopened = false;
    auto protocol = channel_.prepare(extra_wait_ms, &reopened);
    if (reopened || !client_) client_ = std::make_unique<Client>(protocol);
    try {
      if constexpr (std::is_void_v<decltype(fn(*client_))>) {
        fn(*client_);
        channel_.answered();
      } else {
        auto result = fn(*client_);
        channel_.answered();
        return result;
      }
    } catch (...) {
      channel_.fail(std::current_exception());
    }
  }

  void close() { channel_.close(); }
  void interrupt() { channel_.interrupt(); }

 private:
  RpcChannel channel_;
  std::unique_ptr<Client> client_;
};

using BrokerConnection = RpcConnection<rpc::BrokerClient>;
using MetaConnection = RpcConnection<rpc::MetaServiceClient>;

}  // namespace mq::client
