// A Thrift server (framed binary protocol, a thread per connection) that runs in the
// background and reports a failure to listen as a start-up error: the metaserver's port,
// and the broker's with TLS or `rpc-io = threads` (else server/event_rpc_server.h).
//
// A thread per connection keeps long-polling fetches simple: a waiting fetch blocks only
// its own connection. Malformed frames or garbage bytes end that one connection.
//
// With TLS (docs/security.md#tls) the same happens over TLS sockets; the handshake runs in
// the connection's thread, and a failed one (a plaintext client, an untrusted or missing
// client certificate) ends only that connection.
//
// Connection limits (the broker's max-connections and max-connections-per-ip) are checked
// where connections are accepted: a connection over a limit is closed at once, before a
// thread is started for it, with a warn log line and a count in
// <prefix>_connections_refused_total{reason}.
#pragma once

#include <prometheus/registry.h>
#include <thrift/TProcessor.h>
#include <thrift/server/TThreadedServer.h>

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

namespace mq {

struct ConnectionLimits {
  int max_connections = 0;         // open connections in all (0 = no limit)
  int max_connections_per_ip = 0;  // open connections from one peer address (0 = no limit)
};

// Where the server counts its connections: <prefix>_connections_open and
// <prefix>_connections_refused_total. Registry null: not counted.
struct ConnectionMetrics {
  prometheus::Registry* registry = nullptr;
  std::string prefix;  // mq_broker
};

class ConnectionGate;
struct MuteGate;
class TlsSocketFactory;

// Sends Thrift's own diagnostics to the log at debug level instead of raw lines on stderr
// (process-wide; the servers call it).
void logThriftDiagnostics();

// True while this thread serves a request that came in over a Thrift port (as opposed to an
// in-process call, such as the portal calling MetaService's handler for a signed-in user).
bool servingRemoteCall();

// Holds back the connection this thread serves (quota throttling, docs/security.md#quotas):
// once the current reply is sent, the server reads that connection's next request only
// after `ms` milliseconds (or when it stops). No effect outside a remote call.
void muteConnectionAfterReply(int64_t ms);

// Runs one request through `processor` as a remote call (servingRemoteCall() is true
// meanwhile) and returns whether its connection stays open; `mute_after_reply_ms` gets what
// the handler asked for with muteConnectionAfterReply. A Thrift error propagates (the
// server's loop reports it and closes); any other exception that escapes while the request
// is decoded (a damaged frame that claims two billion list elements: std::bad_alloc) is
// logged and ends that one connection instead of the process. Both servers of this library
// serve every request through it.
bool processRemoteCall(apache::thrift::TProcessor& processor,
                       std::shared_ptr<apache::thrift::protocol::TProtocol> in,
                       std::shared_ptr<apache::thrift::protocol::TProtocol> out,
                       void* connection_context, int64_t& mute_after_reply_ms);

class RpcServer {
 public:
  // `tls` null: plaintext; else every connection is TLS (common/tls.h; build it with
  // makeTlsFactory(config, TlsSide::kServer) so that bad files stop start-up).
  RpcServer(std::shared_ptr<apache::thrift::TProcessor> processor, std::string host, int port,
            ConnectionLimits limits = {}, ConnectionMetrics metrics = {},
            std::shared_ptr<TlsSocketFactory> tls = nullptr);
  ~RpcServer();

  // Starts serving; returns once the port accepts connections.
  // Throws std::runtime_error naming the address when it cannot listen.
  void start();
  // Stops accepting, closes client connections and joins the serving thread.
  void stop();
  int port() const { return port_; }
  // The connection limits' gate, for another listener of the same daemon that must count
  // against the same limits (the broker's Kafka listener).
  std::shared_ptr<ConnectionGate> gate() const { return gate_; }

 private:
  std::shared_ptr<apache::thrift::TProcessor> processor_;
  std::string host_;
  int port_;
  std::shared_ptr<ConnectionGate> gate_;
  std::shared_ptr<TlsSocketFactory> tls_;
  std::shared_ptr<MuteGate> mute_;
  std::shared_ptr<apache::thrift::server::TThreadedServer> server_;
  std::thread thread_;
};

}  // namespace mq
