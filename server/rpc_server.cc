#include "server/rpc_server.h"

#include <fmt/format.h>
#include <thrift/Thrift.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TServerSocket.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <future>
#include <mutex>
#include <stdexcept>

#include "common/framed_transport.h"
#include "common/log.h"
#include "common/thread_name.h"
#include "common/tls.h"
#include "server/connection_gate.h"
#include "server/rpc_limits.h"

namespace mq {

using apache::thrift::protocol::TBinaryProtocolFactory;
using apache::thrift::server::TThreadedServer;
using apache::thrift::transport::TBufferedTransport;
using apache::thrift::transport::TTransport;
using apache::thrift::transport::TTransportFactory;

// Wakes connections muted after a throttled reply when the server stops.
struct MuteGate {
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;

  void wait(int64_t ms) {
    std::unique_lock<std::mutex> lock(mutex);
    wake.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping; });
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
    }
    wake.notify_all();
  }
};

namespace {

thread_local bool serving_remote_call = false;
thread_local int64_t mute_requested_ms = 0;

// Thrift's connection loop handles its own exceptions only: processRemoteCall keeps anything
// else from ending the process, and a throttled caller's next request waits here.
class GuardedProcessor : public apache::thrift::TProcessor {
 public:
  GuardedProcessor(std::shared_ptr<apache::thrift::TProcessor> inner,
                   std::shared_ptr<MuteGate> mute)
      : inner_(std::move(inner)), mute_(std::move(mute)) {}

  bool process(std::shared_ptr<apache::thrift::protocol::TProtocol> in,
               std::shared_ptr<apache::thrift::protocol::TProtocol> out,
               void* connection_context) override {
    int64_t mute_ms = 0;
    const bool keep =
        processRemoteCall(*inner_, std::move(in), std::move(out), connection_context, mute_ms);
    // The reply is flushed: hold back this connection's next request (a throttled caller;
    // Kafka mutes the channel the same way).
    if (keep && mute_ms > 0) mute_->wait(mute_ms);
    return keep;
  }

 private:
  std::shared_ptr<apache::thrift::TProcessor> inner_;
  std::shared_ptr<MuteGate> mute_;
};

// TBufferedTransport, except that reading nothing copies nothing, and a large frame body is
// read into place. For a zero-length frame TFramedTransport asks for 0 bytes into a null
// buffer, and the buffer's fast path passes that null to memcpy: undefined behaviour
// (harmless in practice, but a sanitized server stops on it, and garbage on the port must
// not stop a server). A body that does not fit the buffer would otherwise pass through it a
// buffer at a time, each byte copied twice; it takes what is buffered and reads the rest
// from the socket straight into the frame (a produce request of 500 KiB: ~4 % of the
// broker's CPU at async produce, docs/perf.md).
class FrameReadBuffer : public TBufferedTransport {
 public:
  using TBufferedTransport::TBufferedTransport;
  uint32_t readAll_virt(uint8_t* buf, uint32_t len) override {
    if (len == 0) return 0;
    const auto have = static_cast<uint32_t>(rBound_ - rBase_);
    if (len - std::min(len, have) < rBufSize_) return TBufferedTransport::readAll_virt(buf, len);
    if (have > 0) std::memcpy(buf, rBase_, have);
    setReadBuffer(rBuf_.get(), 0);
    return have + transport_->readAll(buf + have, len - have);
  }
};

// Frames read through a buffer. A framed transport straight on the socket asks it for a
// request's 4-byte length and then for its body, and the socket polls before each read
// (so that stop() can interrupt it): two polls and two reads per request, though length
// and body arrive together. Through a 64 KiB buffer one poll and one read bring in both,
// and most of the next request when a client pipelines. Replies are unchanged: the framed
// transport writes each one in a single send.
class BufferedFramedTransportFactory : public TTransportFactory {
 public:
  std::shared_ptr<TTransport> getTransport(std::shared_ptr<TTransport> socket) override {
    auto buffered = std::make_shared<FrameReadBuffer>(socket, kReadBufferBytes, kWriteBufferBytes,
                                                      socket->getConfiguration());
    return std::make_shared<FramedTransport>(buffered);
  }

 private:
  static constexpr uint32_t kReadBufferBytes = 64 * 1024;
  static constexpr uint32_t kWriteBufferBytes = 512;  // larger replies go straight out
};

}  // namespace

// Thrift's own diagnostics (a client that sent garbage or disconnected) would be raw lines
// among the JSON ones: keep them, at debug level.
void logThriftDiagnostics() {
  apache::thrift::GlobalOutput.setOutputFunction(
      [](const char* message) { logDebug("thrift").kv("detail", message); });
}

bool servingRemoteCall() { return serving_remote_call; }

void muteConnectionAfterReply(int64_t ms) {
  if (serving_remote_call) mute_requested_ms = ms;
}

bool processRemoteCall(apache::thrift::TProcessor& processor,
                       std::shared_ptr<apache::thrift::protocol::TProtocol> in,
                       std::shared_ptr<apache::thrift::protocol::TProtocol> out,
                       void* connection_context, int64_t& mute_after_reply_ms) {
  struct Scope {
    Scope() {
      serving_remote_call = true;
      mute_requested_ms = 0;
    }
    ~Scope() { serving_remote_call = false; }
  } scope;
  try {
    const bool keep = processor.process(std::move(in), std::move(out), connection_context);
    mute_after_reply_ms = mute_requested_ms;
    return keep;
  } catch (const apache::thrift::TException&) {
    throw;
  } catch (const std::exception& e) {
    logWarn("dropped a request that could not be decoded; closing its connection")
        .kv("error", e.what());
    return false;
  }
}

RpcServer::RpcServer(std::shared_ptr<apache::thrift::TProcessor> processor, std::string host,
                     int port, ConnectionLimits limits, ConnectionMetrics metrics,
                     std::shared_ptr<TlsSocketFactory> tls)
    : processor_(std::move(processor)),
      host_(std::move(host)),
      port_(port),
      gate_(std::make_shared<ConnectionGate>(limits, metrics)),
      tls_(std::move(tls)) {
  logThriftDiagnostics();
}

RpcServer::~RpcServer() { stop(); }

void RpcServer::start() {
  auto socket = std::make_shared<LimitedServerSocket>(host_, port_, gate_, tls_);
  mute_ = std::make_shared<MuteGate>();
  // Stop() must be able to interrupt connections blocked in a read.
  socket->setInterruptableChildren(true);
  auto listening = std::make_shared<std::promise<void>>();
  socket->setListenCallback([listening](int) { listening->set_value(); });
  // Decoding limits (server/rpc_limits.h): without them a 30-byte frame that claims a 700 MB
  // string or two billion list elements makes the decoder allocate them before it finds out
  // they are not there. Strict reads refuse messages without a version word (our clients
  // always send one) instead of taking their first 4 bytes as a name length.
  auto protocols =
      std::make_shared<TBinaryProtocolFactory>(kRpcMaxStringBytes, kRpcMaxContainerSize,
                                               /*strict_read=*/true, /*strict_write=*/true);
  server_ = std::make_shared<TThreadedServer>(
      std::make_shared<GuardedProcessor>(processor_, mute_), socket,
      std::make_shared<BufferedFramedTransportFactory>(), protocols);
  auto ready = listening->get_future();
  auto failure = std::make_shared<std::promise<std::string>>();
  auto failed = failure->get_future();
  thread_ = std::thread([server = server_, failure] {
    nameThisThread("rpc-accept");
    try {
      server->serve();
    } catch (const std::exception& e) {
      failure->set_value(e.what());
    }
  });
  while (true) {
    if (ready.wait_for(std::chrono::milliseconds(20)) == std::future_status::ready) return;
    if (failed.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready) {
      thread_.join();
      server_.reset();
      throw std::runtime_error(
          fmt::format("cannot listen on {}:{}: {}", host_, port_, failed.get()));
    }
  }
}

void RpcServer::stop() {
  if (!server_) return;
  mute_->stop();
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace mq
