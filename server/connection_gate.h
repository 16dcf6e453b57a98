// Connection limits of a Thrift server (a broker's max-connections and
// max-connections-per-ip): ConnectionGate counts open connections in all and per peer
// address, and LimitedServerSocket asks it at every accept. A connection over a limit gets
// one Thrift exception frame naming the limit (a client reads it as the reply to its first
// call: "connection refused: max-connections-per-ip (2) reached ...", retriable, so it tries
// another broker) and is closed at once, before a thread is started for it; it is logged at
// warn (at most once a second, with the number refused meanwhile) and counted in
// <prefix>_connections_refused_total{reason}. An admitted connection is counted until its
// socket is destroyed, which the server does when the connection ends. TLS connections
// (common/tls.h) are counted and limited the same way; one over a limit is closed without
// the frame (before its handshake a TLS client could not read it).
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <thrift/transport/TServerSocket.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "server/rpc_server.h"

namespace mq {

class ConnectionGate {
 public:
  ConnectionGate(ConnectionLimits limits, const ConnectionMetrics& metrics);

  // True when one more connection from `peer` is within the limits (then it is counted);
  // false counts and logs the refusal and sets `refusal` to the reason for the client.
  bool admit(const std::string& peer, std::string* refusal);
  // A counted connection from `peer` ended.
  void release(const std::string& peer);
  // A TLS connection from `peer` failed its handshake with `error` (a plaintext client, an
  // untrusted or missing client certificate): counted in
  // <prefix>_tls_handshake_failures_total and logged at warn, at most once a second. A
  // connection closed before it sent anything (a port probe) is neither.
  void tlsHandshakeFailed(const std::string& peer, const std::string& error);

 private:
  void refuse(const std::string& peer, const char* reason, int limit, std::string* refusal);

  const ConnectionLimits limits_;
  prometheus::Gauge* open_ = nullptr;
  prometheus::Counter* refused_total_ = nullptr;
  prometheus::Counter* refused_per_ip_ = nullptr;
  prometheus::Counter* tls_failures_ = nullptr;
  std::mutex mutex_;
  int total_ = 0;
  std::unordered_map<std::string, int> per_peer_;
  int64_t last_log_ms_ = 0;
  int64_t unlogged_ = 0;
  int64_t last_tls_log_ms_ = 0;
  int64_t unlogged_tls_ = 0;
};

// Writes the refusal to a plaintext connection over a limit as one Thrift exception frame
// and shuts down its sending side (the caller closes it).
void sendRefusalFrame(int fd, const std::string& refusal);

// A TServerSocket whose accepted connections pass the gate first.
class TlsSocketFactory;

class LimitedServerSocket : public apache::thrift::transport::TServerSocket {
 public:
  // `tls` null: plaintext; else connections are TLS (common/tls.h), counted the same way.
  LimitedServerSocket(const std::string& host, int port, std::shared_ptr<ConnectionGate> gate,
                      std::shared_ptr<TlsSocketFactory> tls = nullptr);

 protected:
  std::shared_ptr<apache::thrift::transport::TTransport> acceptImpl() override;
  std::shared_ptr<apache::thrift::transport::TSocket> createSocket(THRIFT_SOCKET client) override;

 private:
  std::shared_ptr<ConnectionGate> gate_;
  std::shared_ptr<TlsSocketFactory> tls_;
};

}  // namespace mq
