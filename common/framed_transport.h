// The framed transport every Thrift connection of ours reads through (the servers'
// connections in server/rpc_server.cc, the client's in client/rpc_connection.cc).
//
// Thrift 0.17's TFramedTransport enforces TConfiguration's maximum message size on the bytes
// a protocol consumes, but counts them over the connection's whole life: it never starts
// again at a new frame. A connection that had carried the maximum (100 MiB by default) failed
// its next read with "MaxMessageSize reached", which the servers take for a client that went
// away: they closed the connection without a word. A Producer saw its broker hang up every
// 100 MiB and retried the request after a backoff (the e2e p99 spikes of docs/perf.md,
// 2026-11-28), a consumer likewise every 1 GiB (the client's limit). Here the budget starts
// again with every frame, so it bounds one message, as it is meant to; the frame size limit
// (TConfiguration's maximum frame size) is unchanged.
#pragma once

#include <thrift/transport/TBufferTransports.h>

namespace mq {

class FramedTransport : public apache::thrift::transport::TFramedTransport {
 public:
  using TFramedTransport::TFramedTransport;

 protected:
  bool readFrame() override {
    resetConsumedMessageSize();
    return TFramedTransport::readFrame();
  }
};

}  // namespace mq
