#include "client/rpc_connection.h"

#include <fmt/format.h>
#include <sys/socket.h>
#include <thrift/TApplicationException.h>
#include <thrift/TConfiguration.h>
#include <thrift/TOutput.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TProtocolException.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSSLSocket.h>
#include <thrift/transport/TSocket.h>
#include <thrift/transport/TTransportException.h>

#include <mutex>

#include "client/call_cancel.h"
#include "client/error.h"
#include "common/framed_transport.h"
#include "common/log.h"
#include "common/tls.h"

namespace mq::client {

using apache::thrift::TApplicationException;
using apache::thrift::TConfiguration;
using apache::thrift::TException;
using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::protocol::TProtocolException;
using apache::thrift::transport::TSocket;
using apache::thrift::transport::TSSLException;
using apache::thrift::transport::TTransportException;

namespace {

// Replies can be large (a fetch returns up to fetch_max_bytes per partition), so the client
// accepts frames far beyond Thrift's 16 MB default. Requests stay well below the servers'
// default limit (see kMaxRequestBytes in sender.h).
constexpr int kMaxFrameBytes = 512 << 20;
constexpr int kMaxMessageBytes = 1024 << 20;

int clampMs(int64_t ms) { return static_cast<int>(std::min<int64_t>(ms, 1 << 30)); }

// Thrift prints transport trouble straight to stderr ("TSocket::open() error ..."). The
// client reports every failure as an Error instead, so that text goes to the debug log.
void thriftOutput(const char* message) { logDebug("thrift").kv("message", message); }

void routeThriftOutput() {
  static std::once_flag once;
  std::call_once(once, [] { apache::thrift::GlobalOutput.setOutputFunction(thriftOutput); });
}

}  // namespace

RpcChannel::RpcChannel(HostPort address, ConnectionOptions options)
    : address_(std::move(address)), options_(std::move(options)) {
  routeThriftOutput();
}

RpcChannel::~RpcChannel() { close(); }

std::shared_ptr<apache::thrift::protocol::TProtocol> RpcChannel::prepare(int64_t extra_wait_ms,
                                                                         bool* reopened) {
  *reopened = false;
  bool interrupted = false;
  {
    std::lock_guard<std::mutex> lock(socket_mutex_);
    interrupted = interrupted_;
  }
  if (!transport_ || !transport_->isOpen() || interrupted) {
    close();
    auto config = std::make_shared<TConfiguration>(kMaxMessageBytes, kMaxFrameBytes);
    std::shared_ptr<TSocket> socket;
    std::shared_ptr<TlsClientSocket> tls_socket;
    if (options_.tls) {
      tls_socket = options_.tls->clientSocket(address_.host, address_.port, config);
      socket = tls_socket;
    } else {
      socket = std::make_shared<TSocket>(address_.host, address_.port, config);
    }
    socket->setConnTimeout(clampMs(options_.connect_ms));
    socket->setSendTimeout(clampMs(options_.request_ms));
    socket->setNoDelay(true);
    auto transport = std::make_shared<FramedTransport>(socket, config);
    try {
      transport->open();
    } catch (const TException& e) {
      throw TransportError(ErrorCode::UNKNOWN,
                           fmt::format("cannot connect to {}: {}", address_.toString(), e.what()),
                           /*request_sent=*/false);
    }
    if (tls_socket) {
      // The handshake now, within the connect timeout, so that a server that does not speak
      // TLS or is not trusted fails the connection before any request is sent.
      socket->setRecvTimeout(clampMs(options_.connect_ms));
      try {
        tls_socket->handshake();
      } catch (const TException& e) {
        try {
          transport->close();
        } catch (const TException&) {
        }
        throw TransportError(ErrorCode::UNKNOWN, tlsHandshakeFailure(e.what()),
                             /*request_sent=*/false);
      }
    }
    {
      std::lock_guard<std::mutex> lock(socket_mutex_);
      socket_ = socket;
      interrupted_ = false;
    }
    transport_ = transport;
    protocol_ = std::make_shared<TBinaryProtocol>(transport_);
    reply_timeout_ms_ = -1;
    answered_ = false;
    *reopened = true;
  }
  // After socket_ is set: a cancel from now on interrupts the call on it.
  if (const CallCancel* cancel = CallCancelScope::current(); cancel && cancel->cancelled()) {
    throw callAbandoned();
  }
  int64_t reply_timeout = options_.request_ms + std::max<int64_t>(0, extra_wait_ms);
  if (reply_timeout != reply_timeout_ms_) {
    socket_->setRecvTimeout(clampMs(reply_timeout));
    reply_timeout_ms_ = reply_timeout;
  }
  return protocol_;
}

void RpcChannel::answered() { answered_ = true; }

std::string RpcChannel::tlsHandshakeFailure(const std::string& detail) const {
  std::string hint;
  if (detail.find("authorize") != std::string::npos) {
    hint = fmt::format(
        "the server's certificate does not name `{}` (set the client's TLS server name to a "
        "name it carries)",
        options_.tls->config().server_name.empty() ? address_.host
                                                   : options_.tls->config().server_name);
  } else if (detail.find("certificate verify failed") != std::string::npos) {
    hint = "the server's certificate is not signed by the CA this client trusts (its TLS CA file)";
  } else if (detail.find("requires a client certificate") != std::string::npos) {
    return fmt::format("TLS handshake with {} failed: {}", address_.toString(), detail);
  } else if (detail.find("alert") != std::string::npos) {
    hint = "the server refused this client: it may require a client certificate signed by its CA";
  } else {
    hint =
        "the server closed the connection: its port may not use TLS (tls = off), it "
        "refused the connection (a connection limit), or it refused this client's certificate";
  }
  return fmt::format("TLS handshake with {} failed: {}; {}", address_.toString(), detail, hint);
}

std::string RpcChannel::plainHint() const {
  // A TLS port answers a plaintext request with a TLS alert, or just closes: the first reply
  // of a connection fails at the transport level.
  if (options_.tls || answered_) return "";
  return " (no reply on a new connection: if the server's port uses TLS (tls = on), enable "
         "TLS on this client; docs/security.md#tls)";
}

void RpcChannel::fail(std::exception_ptr failure) {
  const std::string where = address_.toString();
  try {
    std::rethrow_exception(failure);
  } catch (const rpc::MqError& e) {
    answered_ = true;
    throw errorFromWire(e);
  } catch (const Error&) {
    throw;
  } catch (const TSSLException& e) {
    // With TLS 1.3 the server checks the client's certificate after the client finished
    // its handshake: its refusal arrives as an alert with the first reply.
    close();
    throw TransportError(ErrorCode::UNKNOWN,
                         answered_ ? fmt::format("TLS connection to {} failed: {}", where, e.what())
                                   : tlsHandshakeFailure(e.what()),
                         true);
  } catch (const TTransportException& e) {
    close();
    if (e.getType() == TTransportException::TIMED_OUT) {
      throw TransportError(ErrorCode::TIMEOUT,
                           fmt::format("no reply from {} within {} ms", where, reply_timeout_ms_),
                           true);
    }
    throw TransportError(ErrorCode::UNKNOWN,
                         fmt::format("connection to {} failed: {}{}", where, e.what(), plainHint()),
                         true);
  } catch (const TProtocolException& e) {
    close();
    if (e.getType() == TProtocolException::SIZE_LIMIT) {
      throw Error(ErrorCode::UNKNOWN,
                  fmt::format("reply from {} exceeds the size limit: {}", where, e.what()), false);
    }
    throw TransportError(ErrorCode::UNKNOWN,
                         fmt::format("garbled reply from {}: {}{}", where, e.what(), plainHint()),
                         true);
  } catch (const TApplicationException& e) {
    switch (e.getType()) {
      case TApplicationException::UNKNOWN_METHOD:
      case TApplicationException::INVALID_MESSAGE_TYPE:
      case TApplicationException::WRONG_METHOD_NAME:
      case TApplicationException::PROTOCOL_ERROR:
      case TApplicationException::UNSUPPORTED_CLIENT_TYPE:
        close();
        throw Error(ErrorCode::UNKNOWN,
                    fmt::format("{} does not understand the request: {}", where, e.what()), false);
      case TApplicationException::BAD_SEQUENCE_ID:
        close();
        throw TransportError(ErrorCode::UNKNOWN,
                             fmt::format("out-of-order reply from {}: {}", where, e.what()), true);
      default:
        // The handler failed with an undeclared exception: a server bug or a transient
        // problem; another broker may succeed. Or the server refused the connection (a
        // connection limit) and closed it: it is not used again either way.
        close();
        throw Error(ErrorCode::UNKNOWN, fmt::format("{} failed: {}", where, e.what()), true);
    }
  } catch (const TException& e) {
    close();
    throw TransportError(ErrorCode::UNKNOWN,
                         fmt::format("connection to {} failed: {}", where, e.what()), true);
  }
}

void RpcChannel::close() {
  std::lock_guard<std::mutex> lock(socket_mutex_);
  if (transport_) {
    try {
      transport_->close();
    } catch (const TException&) {
      // Closing a broken socket can fail; it is gone either way.
    }
  }
  protocol_.reset();
  transport_.reset();
  socket_.reset();
}

void RpcChannel::interrupt() {
  std::lock_guard<std::mutex> lock(socket_mutex_);
  interrupted_ = true;
  // The descriptor only (not isOpen(), which with TLS reads the session state the calling
  // thread is using); it changes only while socket_mutex_ is held or before socket_ is set.
  if (socket_ && socket_->getSocketFD() >= 0) ::shutdown(socket_->getSocketFD(), SHUT_RDWR);
}

}  // namespace mq::client
