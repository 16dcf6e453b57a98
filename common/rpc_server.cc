#include "common/rpc_server.h"

#include <fmt/format.h>
#include <thrift/Thrift.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TServerSocket.h>

#include <future>
#include <stdexcept>

#include "common/log.h"

namespace mq {

using apache::thrift::protocol::TBinaryProtocolFactory;
using apache::thrift::server::TThreadedServer;
using apache::thrift::transport::TFramedTransportFactory;
using apache::thrift::transport::TServerSocket;

namespace {

// Thrift's own diagnostics (a client that sent garbage or disconnected) would be raw lines
// among the JSON ones: keep them, at debug level.
void logThriftOutput(const char* message) { logDebug("thrift").kv("detail", message); }

}  // namespace

RpcServer::RpcServer(std::shared_ptr<apache::thrift::TProcessor> processor, std::string host,
                     int port)
    : processor_(std::move(processor)), host_(std::move(host)), port_(port) {
  apache::thrift::GlobalOutput.setOutputFunction(logThriftOutput);
}

RpcServer::~RpcServer() { stop(); }

void RpcServer::start() {
  auto socket = std::make_shared<TServerSocket>(host_, port_);
  // Stop() must be able to interrupt connections blocked in a read.
  socket->setInterruptableChildren(true);
  auto listening = std::make_shared<std::promise<void>>();
  socket->setListenCallback([listening](int) { listening->set_value(); });
  server_ = std::make_shared<TThreadedServer>(processor_, socket,
                                              std::make_shared<TFramedTransportFactory>(),
                                              std::make_shared<TBinaryProtocolFactory>());
  auto ready = listening->get_future();
  auto failure = std::make_shared<std::promise<std::string>>();
  auto failed = failure->get_future();
  thread_ = std::thread([server = server_, failure] {
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
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace mq
