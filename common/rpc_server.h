// A Thrift server (framed binary protocol, a thread per connection) that runs in the
// background and reports a failure to listen as a start-up error.
//
// A thread per connection keeps long-polling fetches simple: a waiting fetch blocks only
// its own connection. Malformed frames or garbage bytes end that one connection.
#pragma once

#include <thrift/TProcessor.h>
#include <thrift/server/TThreadedServer.h>

#include <memory>
#include <string>
#include <thread>

namespace mq {

// True while this thread serves a request that came in over a Thrift port (as opposed to an
// in-process call, such as the portal calling MetaService's handler for a signed-in user).
bool servingRemoteCall();

class RpcServer {
 public:
  RpcServer(std::shared_ptr<apache::thrift::TProcessor> processor, std::string host, int port);
  ~RpcServer();

  // Starts serving; returns once the port accepts connections.
  // Throws std::runtime_error naming the address when it cannot listen.
  void start();
  // Stops accepting, closes client connections and joins the serving thread.
  void stop();
  int port() const { return port_; }

 private:
  std::shared_ptr<apache::thrift::TProcessor> processor_;
  std::string host_;
  int port_;
  std::shared_ptr<apache::thrift::server::TThreadedServer> server_;
  std::thread thread_;
};

}  // namespace mq
