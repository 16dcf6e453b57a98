// The broker's Kafka listener (docs/kafka.md): accepts connections on `kafka-listen`, a
// thread per connection (like server/rpc_server), reads size-delimited request frames and
// answers each in request order (clients pipeline requests; one connection's requests run
// one after another, as Kafka brokers run them).
//
// - Connections count against the broker's max-connections and max-connections-per-ip
//   (the Thrift port's ConnectionGate, shared); one over a limit is closed at once.
// - With the broker's TLS settings (tls = on) every connection is TLS.
// - A frame whose declared size is over the limit is refused by its size before its bytes
//   are read; a frame that cannot be decoded closes its connection. Both are counted in
//   mq_broker_kafka_malformed_requests_total{reason} and logged at warn at most once a
//   second (with the number suppressed meanwhile).
// - An API or version the broker does not speak is answered UNSUPPORTED_VERSION (35) in
//   ApiVersions v0's layout, with the supported list; the connection stays open.
// - A quota throttle holds back the connection's next request (Kafka's channel muting).
// - Pipelined Produce requests are served together: when a Produce request is read, the
//   Produce requests that have already arrived behind it (up to kMaxProduceRound of them,
//   kMaxProduceRoundBytes in all) join it, their batches share their datanodes' group
//   commits in request order, and their replies go out in that order. A client that sends
//   a request per message (librdkafka at a few thousand messages a second) so gets many
//   per commit instead of one commit per request.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "broker/broker_context.h"

namespace mq {
class ConnectionGate;
class TlsSocketFactory;
}  // namespace mq

namespace mq::kafka {

class KafkaConnection;
struct KafkaSession;

struct KafkaServerOptions {
  std::string host;
  int port = 0;                         // 0: any free port (tests)
  int64_t max_request_bytes = 9 << 20;  // largest request frame read
};

class KafkaServer {
 public:
  // `gate`: the connection limits (shared with the Thrift port). `tls` null: plaintext.
  KafkaServer(BrokerContext& context, KafkaServerOptions options,
              std::shared_ptr<ConnectionGate> gate, std::shared_ptr<TlsSocketFactory> tls,
              prometheus::Registry& registry);
  ~KafkaServer();

  // Listens and starts accepting. Throws std::runtime_error naming the address.
  void start();
  // Stops accepting, closes every connection and waits for their threads.
  void stop();
  int port() const { return port_; }

 private:
  void acceptLoop();
  void serve(int fd, const std::string& peer);
  void serveRequests(KafkaConnection& connection, const std::string& peer);
  // Reads one frame into `body`. False when the connection is over or the frame was refused
  // (counted by malformed()).
  bool readFrame(KafkaConnection& connection, const std::string& peer, std::string& body);
  // Serves the Produce request `first` with the Produce requests that arrived behind it.
  // Returns how long to hold the connection back (quota), or none when it is over.
  std::optional<int64_t> serveProduces(KafkaConnection& connection, KafkaSession& session,
                                       std::string first);

  static constexpr size_t kMaxProduceRound = 64;
  // A group commit takes at most 4 MiB (broker/main.cc): a larger round would only be held
  // in memory longer.
  static constexpr size_t kMaxProduceRoundBytes = 4 << 20;
  static constexpr size_t kReadAheadBytes = 1 << 20;
  // Counts and (rate-limited) logs a refused frame.
  void malformed(const std::string& reason, const std::string& peer, const std::string& detail);
  // Sleeps up to `ms` or until stop().
  void pause(int64_t ms);

  BrokerContext& context_;
  const KafkaServerOptions options_;
  std::shared_ptr<ConnectionGate> gate_;
  std::shared_ptr<TlsSocketFactory> tls_;
  prometheus::Family<prometheus::Counter>& malformed_;
  int port_ = 0;
  int listen_fd_ = -1;
  std::thread accept_thread_;

  std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  std::set<int> open_fds_;
  int threads_ = 0;
  int64_t last_log_ms_ = 0;
  int64_t unlogged_ = 0;
};

}  // namespace mq::kafka
