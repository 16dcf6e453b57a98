// One Thrift connection to a broker or the metaserver: TSocket + TFramedTransport +
// TBinaryProtocol (the servers' wire format) with connect, send and receive timeouts.
// Opened lazily; after a failure that leaves the stream in an unknown state it is closed
// and reopened by the next call. Not thread-safe: one caller at a time (see
// ConnectionPool).
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <utility>

#include "Broker.h"
#include "MetaService.h"
#include "client/host_port.h"

namespace apache::thrift::transport {
class TSocket;
class TTransport;
}  // namespace apache::thrift::transport

namespace mq {

struct ConnectionTimeouts {
  int64_t connect_ms = 3000;
  int64_t request_ms = 30000;
};

// The untyped part of a connection: socket, transport, protocol, error conversion.
class RpcChannel {
 public:
  RpcChannel(HostPort address, ConnectionTimeouts timeouts);
  ~RpcChannel();
  RpcChannel(const RpcChannel&) = delete;
  RpcChannel& operator=(const RpcChannel&) = delete;

  const HostPort& address() const { return address_; }
  const ConnectionTimeouts& timeouts() const { return timeouts_; }

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

  void close();

 private:
  HostPort address_;
  ConnectionTimeouts timeouts_;
  int64_t reply_timeout_ms_ = 0;
  std::shared_ptr<apache::thrift::transport::TSocket> socket_;
  std::shared_ptr<apache::thrift::transport::TTransport> transport_;
  std::shared_ptr<apache::thrift::protocol::TProtocol> protocol_;
};

// A typed connection: rpc::BrokerClient or rpc::MetaServiceClient.
template <class Client>
class RpcConnection {
 public:
  RpcConnection(HostPort address, ConnectionTimeouts timeouts)
      : channel_(std::move(address), timeouts) {}

  const HostPort& address() const { return channel_.address(); }

  // Runs fn(client) (one RPC) and returns its result. Throws mq::Error (TransportError for
  // transport failures) as RpcChannel::fail describes.
  template <class Fn>
  auto call(Fn&& fn, int64_t extra_wait_ms = 0) -> decltype(fn(std::declval<Client&>())) {
    bool reopened = false;
    auto protocol = channel_.prepare(extra_wait_ms, &reopened);
    if (reopened || !client_) client_ = std::make_unique<Client>(protocol);
    try {
      return fn(*client_);
    } catch (...) {
      channel_.fail(std::current_exception());
    }
  }

  void close() { channel_.close(); }

 private:
  RpcChannel channel_;
  std::unique_ptr<Client> client_;
};

using BrokerConnection = RpcConnection<rpc::BrokerClient>;
using MetaConnection = RpcConnection<rpc::MetaServiceClient>;

}  // namespace mq
