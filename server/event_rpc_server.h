// A Thrift server (framed binary protocol) driven by events, for the broker's plaintext port:
// one thread waits on every connection with epoll and reads their requests; the requests run
// on a WorkerPool; a reply is written by whichever thread finishes its request.
//
// Why (docs/perf.md, "event-driven produce"): with a thread per connection, a synchronous
// producer's request costs the broker two sleeps and wake-ups of that thread (on its socket,
// then on its group commit), each a context switch, which on a virtual machine dominates the
// broker's CPU per message. Here an asynchronous method (the broker's produce) hands its
// batches to the group commit and returns its pool thread at once; the writer that commits
// the group writes the replies itself. Every other method runs as before, on a pool thread
// that may block (a long-polling fetch holds one thread, never the loop).
//
// Same contract as RpcServer (server/rpc_server.h):
// - a connection's requests run one after another, in order: the next is read only once the
//   reply to the previous one is sent (clients that pipeline get their replies in order);
// - malformed frames, a frame over kRpcMaxFrameBytes or garbage end that one connection, and
//   the same decoding limits apply (server/rpc_limits.h);
// - connection limits through the same ConnectionGate (the refused get one exception frame);
// - muteConnectionAfterReply (quotas) holds back the connection's next request;
// - servingRemoteCall() is true while a request runs.
// TLS is not served here: with TLS the broker keeps RpcServer (OpenSSL over these
// non-blocking sockets would need its own state machine).
#pragma once

#include <thrift/TProcessor.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "server/rpc_server.h"
#include "server/worker_pool.h"

namespace mq {

class ConnectionGate;

class EventRpcServer {
 public:
  // Answers a request with `message`, a whole Thrift message (the server frames it); an
  // empty one closes the connection instead (a request that could not be decoded).
  // `mute_ms` > 0 holds back the connection's next request that long. Called exactly once
  // per request, from any thread.
  using Reply = std::function<void(std::string message, int64_t mute_ms)>;
  // A method that answers without holding a thread. Called on the loop thread with the
  // whole request message, it must not block there: work that may wait (a database read)
  // it posts to `pool`. It calls `reply` when done, from whatever thread finishes the work,
  // and must not throw: whatever goes wrong is its reply.
  using AsyncMethod = std::function<void(std::string request, Reply reply, WorkerPool& pool)>;

  // `async_methods`: method name -> its asynchronous implementation; every other method is
  // run by `processor` on a pool thread.
  EventRpcServer(std::shared_ptr<apache::thrift::TProcessor> processor,
                 std::map<std::string, AsyncMethod> async_methods, std::string host, int port,
                 ConnectionLimits limits = {}, ConnectionMetrics metrics = {});
  ~EventRpcServer();

  // Starts serving; returns once the port accepts connections.
  // Throws std::runtime_error naming the address when it cannot listen.
  void start();
  // Stops accepting, waits for the requests running, closes every connection.
  void stop();
  int port() const { return port_; }
  // The connection limits' gate, shared with the daemon's other listeners.
  std::shared_ptr<ConnectionGate> gate() const;

 private:
  struct Core;
  std::string host_;
  int port_;
  std::shared_ptr<Core> core_;
  std::thread thread_;
};

}  // namespace mq
