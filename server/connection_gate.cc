#include "server/connection_gate.h"

#include <fmt/format.h>
#include <prometheus/family.h>
#include <sys/socket.h>
#include <thrift/TApplicationException.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>
#include <thrift/transport/TTransportException.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/tls.h"

namespace mq {

using apache::thrift::TApplicationException;
using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::transport::TFramedTransport;
using apache::thrift::transport::TMemoryBuffer;
using apache::thrift::transport::TSocket;
using apache::thrift::transport::TSSLException;
using apache::thrift::transport::TSSLSocket;
using apache::thrift::transport::TTransport;
using apache::thrift::transport::TTransportException;

namespace {

// What every counted socket has: it tells the gate when its connection ends (the server
// destroys the socket then). Only admitted sockets are counted.
class GateSlot {
 public:
  explicit GateSlot(std::shared_ptr<ConnectionGate> gate) : gate_(std::move(gate)) {}
  virtual ~GateSlot() {
    if (counted_) gate_->release(peer_);
  }

  void counted(std::string peer) {
    peer_ = std::move(peer);
    counted_ = true;
  }

 protected:
  ConnectionGate& gate() { return *gate_; }

 private:
  std::shared_ptr<ConnectionGate> gate_;
  std::string peer_;
  bool counted_ = false;
};

// A plaintext connection.
class CountedSocket : public TSocket, public GateSlot {
 public:
  CountedSocket(THRIFT_SOCKET socket, std::shared_ptr<THRIFT_SOCKET> interrupt_listener,
                std::shared_ptr<ConnectionGate> gate)
      : TSocket(socket, std::move(interrupt_listener)), GateSlot(std::move(gate)) {}
};

// A TLS connection (common/tls.h): the handshake runs at its first read, in the
// connection's own thread, so a slow or hostile client never holds up the accept loop.
class CountedTlsSocket : public TSSLSocket, public GateSlot {
 public:
  CountedTlsSocket(const TlsSocketFactory& tls, THRIFT_SOCKET socket,
                   std::shared_ptr<THRIFT_SOCKET> interrupt_listener,
                   std::shared_ptr<ConnectionGate> gate)
      : TSSLSocket(tls.context(), socket, std::move(interrupt_listener)),
        GateSlot(std::move(gate)) {
    server(true);
  }

  // The handshake runs in the first read: a failure there is the client's (counted).
  uint32_t read(uint8_t* buffer, uint32_t length) override {
    if (handshaken_) return TSSLSocket::read(buffer, length);
    try {
      const uint32_t got = TSSLSocket::read(buffer, length);
      handshaken_ = true;
      return got;
    } catch (const TSSLException& e) {
      gate().tlsHandshakeFailed(getPeerAddress(), e.what());
      throw;
    }
  }

 private:
  bool handshaken_ = false;
};

}  // namespace

// A framed Thrift exception message, which a client reads as the reply to its first call
// (generated clients check for an exception before the method name and sequence id). Sent
// without blocking; what the client already sent is read and dropped first so that closing
// sends a FIN, not a reset that could discard the frame.
void sendRefusalFrame(int fd, const std::string& refusal) {
  auto buffer = std::make_shared<TMemoryBuffer>();
  auto framed = std::make_shared<TFramedTransport>(buffer);
  TBinaryProtocol protocol(framed);
  protocol.writeMessageBegin("refused", apache::thrift::protocol::T_EXCEPTION, 0);
  TApplicationException(TApplicationException::INTERNAL_ERROR, refusal).write(&protocol);
  protocol.writeMessageEnd();
  framed->flush();
  const std::string frame = buffer->getBufferAsString();
  (void)::send(fd, frame.data(), frame.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
  char drain[4096];
  while (::recv(fd, drain, sizeof drain, MSG_DONTWAIT) > 0) {
  }
}

ConnectionGate::ConnectionGate(ConnectionLimits limits, const ConnectionMetrics& metrics)
    : limits_(limits) {
  if (metrics.registry == nullptr) return;
  open_ = &prometheus::BuildGauge()
               .Name(metrics.prefix + "_connections_open")
               .Help("Open client connections (Thrift port).")
               .Register(*metrics.registry)
               .Add({});
  auto& refused = prometheus::BuildCounter()
                      .Name(metrics.prefix + "_connections_refused_total")
                      .Help(
                          "Connections closed at accept because a limit was reached, by "
                          "reason (max-connections, max-connections-per-ip).")
                      .Register(*metrics.registry);
  refused_total_ = &refused.Add({{"reason", "max-connections"}});
  refused_per_ip_ = &refused.Add({{"reason", "max-connections-per-ip"}});
  tls_failures_ = &prometheus::BuildCounter()
                       .Name(metrics.prefix + "_tls_handshake_failures_total")
                       .Help(
                           "TLS connections closed because the handshake failed (a plaintext "
                           "client, an untrusted or missing client certificate).")
                       .Register(*metrics.registry)
                       .Add({});
}

void ConnectionGate::tlsHandshakeFailed(const std::string& peer, const std::string& error) {
  if (error.find("unexpected eof") != std::string::npos) return;  // closed without a word
  if (tls_failures_) tls_failures_->Increment();
  std::lock_guard<std::mutex> lock(mutex_);
  const int64_t now = nowMs();
  if (now - last_tls_log_ms_ < 1000) {
    ++unlogged_tls_;
    return;
  }
  logWarn("TLS handshake failed; connection closed")
      .kv("peer", peer)
      .kv("error", error)
      .kv("failed_since_last_line", unlogged_tls_);
  last_tls_log_ms_ = now;
  unlogged_tls_ = 0;
}

bool ConnectionGate::admit(const std::string& peer, std::string* refusal) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (limits_.max_connections > 0 && total_ >= limits_.max_connections) {
    if (refused_total_) refused_total_->Increment();
    refuse(peer, "max-connections", limits_.max_connections, refusal);
    return false;
  }
  int& from_peer = per_peer_[peer];
  if (limits_.max_connections_per_ip > 0 && from_peer >= limits_.max_connections_per_ip) {
    if (from_peer == 0) per_peer_.erase(peer);
    if (refused_per_ip_) refused_per_ip_->Increment();
    refuse(peer, "max-connections-per-ip", limits_.max_connections_per_ip, refusal);
    return false;
  }
  ++from_peer;
  ++total_;
  if (open_) open_->Set(total_);
  return true;
}

void ConnectionGate::release(const std::string& peer) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = per_peer_.find(peer);
  if (it != per_peer_.end() && --it->second <= 0) per_peer_.erase(it);
  --total_;
  if (open_) open_->Set(total_);
}

// REQUIRES: mutex_ held.
void ConnectionGate::refuse(const std::string& peer, const char* reason, int limit,
                            std::string* refusal) {
  *refusal = fmt::format(
      "connection refused: the broker's {} limit ({} open connections{}) is reached; close "
      "idle clients or raise {} (docs/security.md#hard-limits)",
      reason, limit, std::string(reason) == "max-connections" ? "" : " from " + peer, reason);
  // A client reconnecting in a loop must not flood the log: one line a second at most.
  const int64_t now = nowMs();
  if (now - last_log_ms_ < 1000) {
    ++unlogged_;
    return;
  }
  logWarn("connection refused: limit reached; closed")
      .kv("peer", peer)
      .kv("reason", reason)
      .kv("limit", limit)
      .kv("open", total_)
      .kv("refused_since_last_line", unlogged_);
  last_log_ms_ = now;
  unlogged_ = 0;
}

LimitedServerSocket::LimitedServerSocket(const std::string& host, int port,
                                         std::shared_ptr<ConnectionGate> gate,
                                         std::shared_ptr<TlsSocketFactory> tls)
    : TServerSocket(host, port), gate_(std::move(gate)), tls_(std::move(tls)) {}

std::shared_ptr<TSocket> LimitedServerSocket::createSocket(THRIFT_SOCKET client) {
  auto interrupt = interruptableChildren_ ? pChildInterruptSockReader_ : nullptr;
  if (tls_) return std::make_shared<CountedTlsSocket>(*tls_, client, interrupt, gate_);
  return std::make_shared<CountedSocket>(client, interrupt, gate_);
}

std::shared_ptr<TTransport> LimitedServerSocket::acceptImpl() {
  auto transport = TServerSocket::acceptImpl();
  auto socket = std::static_pointer_cast<TSocket>(transport);
  std::string peer = socket->getPeerAddress();
  std::string refusal;
  if (!gate_->admit(peer, &refusal)) {
    // A TLS client cannot read a plaintext frame before its handshake, and a handshake here
    // would let refused clients hold up the accept loop: it is closed without one (its
    // handshake fails: "TLS handshake ... failed", retriable).
    if (!tls_) sendRefusalFrame(socket->getSocketFD(), refusal);
    socket->close();
    // The server's accept loop goes on after this type.
    throw TTransportException(TTransportException::CLIENT_DISCONNECT,
                              "connection refused: limit reached");
  }
  std::dynamic_pointer_cast<GateSlot>(transport)->counted(std::move(peer));
  return transport;
}

}  // namespace mq
