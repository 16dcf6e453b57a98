#include "broker/kafka/kafka_server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "broker/kafka/api_router.h"
#include "broker/kafka/handlers/produce.h"
#include "broker/kafka/protocol/api_keys.h"
#include "broker/kafka/protocol/headers.h"
#include "broker/kafka/protocol/messages/api_versions.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/thread_name.h"
#include "common/tls.h"
#include "server/connection_gate.h"

namespace mq::kafka {

// One accepted socket, plaintext or TLS: whole-buffer reads and writes. Reads go through a
// buffer, so that frames a client pipelined can be looked at before they are read.
class KafkaConnection {
 public:
  KafkaConnection(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  ~KafkaConnection() {
    if (ssl_ != nullptr) {
      SSL_shutdown(ssl_);
      SSL_free(ssl_);
    }
  }
  // False at end of stream or on an error (the connection is over).
  bool read(char* data, size_t size) {
    const size_t buffered = std::min(size, buffer_.size() - buffer_start_);
    std::memcpy(data, buffer_.data() + buffer_start_, buffered);
    buffer_start_ += buffered;
    data += buffered;
    size -= buffered;
    while (size > 0) {
      ssize_t n;
      if (ssl_ != nullptr) {
        n = SSL_read(ssl_, data, static_cast<int>(std::min<size_t>(size, 1 << 30)));
      } else {
        n = ::recv(fd_, data, size, 0);
        if (n < 0 && errno == EINTR) continue;
      }
      if (n <= 0) return false;
      data += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  }
  // False when the connection is over.
  bool write(std::string_view bytes) { return write(bytes, {}); }
  // `head` and then `body`, without joining them first (a fetch answer is megabytes): one
  // sendmsg of both pieces in plaintext, two TLS records otherwise.
  bool write(std::string_view head, std::string_view body) {
    if (ssl_ != nullptr) return writeTls(head) && writeTls(body);
    std::string_view pieces[2] = {head, body};
    size_t first = 0;  // the first piece with bytes left to send
    size_t sent = 0;   // bytes the last sendmsg sent, not yet taken off the pieces
    while (true) {
      while (first < 2 && sent >= pieces[first].size()) {  // sent wholly (or empty)
        sent -= pieces[first].size();
        ++first;
      }
      if (first == 2) return true;
      pieces[first].remove_prefix(sent);
      iovec vectors[2];
      size_t count = 0;
      for (size_t i = first; i < 2; ++i, ++count) {
        vectors[count].iov_base = const_cast<char*>(pieces[i].data());
        vectors[count].iov_len = pieces[i].size();
      }
      msghdr message{};
      message.msg_iov = vectors;
      message.msg_iovlen = count;
      const ssize_t n = ::sendmsg(fd_, &message, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) {
        sent = 0;
        continue;
      }
      if (n <= 0) return false;
      sent = static_cast<size_t>(n);
    }
  }
  // The next frame's declared size and API key and version, when all of it has arrived
  // (reading, without waiting, what has: up to `limit` bytes are kept).
  struct Arrived {
    int32_t size = 0;
    int16_t api_key = 0;
    int16_t api_version = 0;
  };
  std::optional<Arrived> arrivedFrame(size_t limit) {
    if (!wholeFrameBuffered()) readArrived(limit);
    if (!wholeFrameBuffered()) return std::nullopt;
    WireReader in(unread());
    Arrived frame;
    frame.size = in.int32();
    frame.api_key = in.int16();
    frame.api_version = in.int16();
    return frame;
  }

 private:
  bool writeTls(std::string_view bytes) {
    while (!bytes.empty()) {
      const int n =
          SSL_write(ssl_, bytes.data(), static_cast<int>(std::min<size_t>(bytes.size(), 1 << 30)));
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  std::string_view unread() const { return std::string_view(buffer_).substr(buffer_start_); }
  // Whether the buffer holds a frame's size, API key and version, and the whole frame.
  bool wholeFrameBuffered() const {
    const std::string_view bytes = unread();
    if (bytes.size() < 8) return false;
    const int32_t size = WireReader(bytes).int32();
    return size >= 4 && bytes.size() >= 4 + static_cast<size_t>(size);
  }
  // Appends what has arrived to the buffer without waiting (TLS: what is already
  // decrypted), up to `limit` bytes buffered. An error or the end of the stream is left for
  // the next read() to meet.
  void readArrived(size_t limit) {
    buffer_.erase(0, buffer_start_);
    buffer_start_ = 0;
    while (buffer_.size() < limit) {
      size_t room = std::min<size_t>(limit - buffer_.size(), 64 << 10);
      if (ssl_ != nullptr) room = std::min<size_t>(room, std::max(SSL_pending(ssl_), 0));
      if (room == 0) return;
      const size_t old = buffer_.size();
      buffer_.resize(old + room);
      const ssize_t n = ssl_ != nullptr
                            ? SSL_read(ssl_, buffer_.data() + old, static_cast<int>(room))
                            : ::recv(fd_, buffer_.data() + old, room, MSG_DONTWAIT);
      buffer_.resize(old + static_cast<size_t>(std::max<ssize_t>(n, 0)));
      if (n < static_cast<ssize_t>(room)) return;
    }
  }

  int fd_;
  SSL* ssl_;
  std::string buffer_;  // read ahead; what is unread starts at buffer_start_
  size_t buffer_start_ = 0;
};

namespace {

std::string peerName(const sockaddr_storage& address) {
  char host[NI_MAXHOST] = "?";
  char port[NI_MAXSERV] = "?";
  getnameinfo(reinterpret_cast<const sockaddr*>(&address), sizeof(address), host, sizeof(host),
              port, sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV);
  return std::string(host) + ":" + port;
}

std::string sslError() {
  const unsigned long code = ERR_get_error();
  if (code == 0) return "connection closed during the handshake";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

// ApiVersions v0's layout (error code, API list): the one answer every client can read,
// whatever it asked (Kafka answers an unknown ApiVersions version so, too).
std::string unsupportedVersionBody() {
  ApiVersionsResponse response;
  response.error_code = 35;  // UNSUPPORTED_VERSION
  for (const auto& api : supportedApis()) {
    response.api_keys.push_back(
        {static_cast<int16_t>(api.key), api.listed_min_version, api.max_version});
  }
  return encodeMessage(response, 0);
}

// What goes before a response's body: the frame's size and the response header.
std::string frameHead(int32_t correlation_id, bool flexible_header, size_t body_size) {
  WireWriter out;
  out.int32(0);
  writeResponseHeader(correlation_id, flexible_header, out);
  out.patchInt32(0, static_cast<int32_t>(out.size() - 4 + body_size));
  return std::move(out.buffer());
}

std::string frame(int32_t correlation_id, bool flexible_header, const std::string& body) {
  return frameHead(correlation_id, flexible_header, body.size()) + body;
}

}  // namespace

KafkaServer::KafkaServer(BrokerContext& context, KafkaServerOptions options,
                         std::shared_ptr<ConnectionGate> gate,
                         std::shared_ptr<TlsSocketFactory> tls, prometheus::Registry& registry)
    : context_(context),
      options_(std::move(options)),
      gate_(std::move(gate)),
      tls_(std::move(tls)),
      malformed_(prometheus::BuildCounter()
                     .Name("mq_broker_kafka_malformed_requests_total")
                     .Help("Kafka request frames refused (oversize, undecodable): each closed "
                           "its connection")
                     .Register(registry)) {}

KafkaServer::~KafkaServer() { stop(); }

void KafkaServer::start() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(options_.port);
  const std::string where = fmt::format("{}:{}", options_.host, options_.port);
  if (int rc = getaddrinfo(options_.host.empty() ? nullptr : options_.host.c_str(), service.c_str(),
                           &hints, &found);
      rc != 0) {
    throw std::runtime_error(
        fmt::format("cannot listen on {} (Kafka): {}", where, gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(found, freeaddrinfo);
  int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol);
  const int one = 1;
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      ::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, 128) != 0) {
    const std::string error = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    throw std::runtime_error(fmt::format("cannot listen on {} (Kafka): {}", where, error));
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  listen_fd_ = fd;
  accept_thread_ = std::thread([this] {
    nameThisThread("kafka-accept");
    acceptLoop();
  });
}

void KafkaServer::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || listen_fd_ < 0) return;
    stopping_ = true;
    // Reads end at once; a request being served still writes its reply.
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RD);
  }
  changed_.notify_all();
  if (accept_thread_.joinable()) accept_thread_.join();
  ::close(listen_fd_);
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return threads_ == 0; });
}

void KafkaServer::pause(int64_t ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_; });
}

void KafkaServer::acceptLoop() {
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
    }
    pollfd waiting{listen_fd_, POLLIN, 0};
    if (::poll(&waiting, 1, 200) <= 0) continue;
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    const int fd =
        ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length, SOCK_CLOEXEC);
    if (fd < 0) continue;
    const std::string peer = peerName(address);
    std::string refusal;
    if (!gate_->admit(peerAddress(peer), &refusal)) {
      ::close(fd);  // counted and logged by the gate
      continue;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      ::close(fd);
      gate_->release(peerAddress(peer));
      return;
    }
    open_fds_.insert(fd);
    ++threads_;
    std::thread([this, fd, peer] {
      nameThisThread("kafka-conn");
      serve(fd, peer);
    }).detach();
  }
}

void KafkaServer::serve(int fd, const std::string& peer) {
  try {
    SSL* ssl = nullptr;
    bool handshake_ok = true;
    if (tls_) {
      ssl = SSL_new(tls_->context()->get());
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) != 1) {
        handshake_ok = false;
        gate_->tlsHandshakeFailed(peerAddress(peer), sslError());
      }
    }
    KafkaConnection connection(fd, ssl);
    if (handshake_ok) serveRequests(connection, peer);
  } catch (const std::exception& e) {
    logError("Kafka connection failed").kv("peer", peer).kv("error", e.what());
  }
  ::close(fd);
  gate_->release(peerAddress(peer));
  std::lock_guard<std::mutex> lock(mutex_);
  open_fds_.erase(fd);
  --threads_;
  changed_.notify_all();
}

void KafkaServer::malformed(const std::string& reason, const std::string& peer,
                            const std::string& detail) {
  malformed_.Add({{"reason", reason}}).Increment();
  const int64_t now = nowMs();
  int64_t suppressed = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (now - last_log_ms_ < 1000) {
      ++unlogged_;
      return;
    }
    last_log_ms_ = now;
    suppressed = unlogged_;
    unlogged_ = 0;
  }
  logWarn("refused a Kafka request frame; closing its connection")
      .kv("reason", reason)
      .kv("peer", peer)
      .kv("detail", detail)
      .kv("suppressed_since_last_log", suppressed);
}

bool KafkaServer::readFrame(KafkaConnection& connection, const std::string& peer,
                            std::string& body) {
  char size_bytes[4];
  if (!connection.read(size_bytes, 4)) return false;
  const int32_t size = WireReader(std::string_view(size_bytes, 4)).int32();
  if (size < 8) {
    malformed("malformed", peer, fmt::format("frame of {} bytes", size));
    return false;
  }
  if (size > options_.max_request_bytes) {
    malformed("oversize", peer,
              fmt::format("frame of {} bytes over the limit of {} bytes", size,
                          options_.max_request_bytes));
    return false;
  }
  body.resize(static_cast<size_t>(size));
  return connection.read(body.data(), body.size());
}

void KafkaServer::serveRequests(KafkaConnection& connection, const std::string& peer) {
  KafkaSession session;
  session.peer = peer;
  while (true) {
    std::string body;
    if (!readFrame(connection, peer, body)) return;
    const auto start = SteadyClock::now();
    WireReader in(body);
    RequestHeader header = readHeaderStart(in);
    const auto api = findApi(header.api_key);
    if (!api || header.api_version < api->min_version || header.api_version > api->max_version) {
      // The body is not read: its layout is unknown. Answered, never a silent close.
      logDebug("unsupported Kafka API or version")
          .kv("peer", peer)
          .kv("api_key", header.api_key)
          .kv("api_version", header.api_version);
      if (!connection.write(frame(header.correlation_id, false, unsupportedVersionBody()))) return;
      continue;
    }
    KafkaReply reply;
    if (api->key == ApiKey::kProduce) {
      const auto throttle_ms = serveProduces(connection, session, std::move(body));
      if (!throttle_ms) return;
      reply.throttle_ms = *throttle_ms;
    } else {
      try {
        readHeaderRest(in, header.api_version >= api->flexible_from, header);
        KafkaRequest request{context_, session, header,
                             std::string_view(body).substr(in.position())};
        reply = dispatchKafkaRequest(request);
      } catch (const KafkaDecodeError& e) {
        return malformed("malformed", peer,
                         fmt::format("{} v{}: {}", api->name, header.api_version, e.what()));
      }
      const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
      context_.metrics.recordRpc(std::string("kafka_") + api->name, rpc::ErrorCode::NONE, seconds);
      if (reply.body) {
        // ApiVersions answers with response header v0 whatever its version.
        const bool flexible =
            header.api_version >= api->flexible_from && api->key != ApiKey::kApiVersions;
        const std::string head = frameHead(header.correlation_id, flexible, reply.body->size());
        if (!connection.write(head, *reply.body)) return;
      }
    }
    if (session.close_after_reply) return;
    if (reply.throttle_ms > 0) pause(reply.throttle_ms);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
    }
  }
}

std::optional<int64_t> KafkaServer::serveProduces(KafkaConnection& connection,
                                                  KafkaSession& session, std::string first) {
  const auto start = SteadyClock::now();
  const ApiSupport produce = *findApi(static_cast<int16_t>(ApiKey::kProduce));
  // The round: this request and the Produce requests that arrived behind it, whole.
  std::vector<std::string> bodies;
  bodies.push_back(std::move(first));
  size_t bytes = bodies.back().size();
  bool over = false;  // the connection ended behind the round
  while (bodies.size() < kMaxProduceRound) {
    const auto next = connection.arrivedFrame(kReadAheadBytes);
    if (!next || next->api_key != static_cast<int16_t>(ApiKey::kProduce) ||
        next->api_version < produce.min_version || next->api_version > produce.max_version ||
        next->size < 8 || next->size > options_.max_request_bytes ||
        bytes + static_cast<size_t>(next->size) > kMaxProduceRoundBytes) {
      break;  // read on its own, next
    }
    std::string body;
    if (!readFrame(connection, session.peer, body)) {
      over = true;
      break;
    }
    bytes += body.size();
    bodies.push_back(std::move(body));
  }
  std::vector<RequestHeader> headers(bodies.size());
  std::vector<KafkaRequest> requests;
  requests.reserve(bodies.size());
  std::string problem;
  for (size_t i = 0; i < bodies.size(); ++i) {
    WireReader in(bodies[i]);
    try {
      headers[i] = readHeaderStart(in);
      readHeaderRest(in, headers[i].api_version >= produce.flexible_from, headers[i]);
    } catch (const KafkaDecodeError& e) {
      problem = e.what();
      break;  // it and the requests after it are not served
    }
    requests.push_back(KafkaRequest{context_, session, headers[i],
                                    std::string_view(bodies[i]).substr(in.position())});
  }
  std::vector<KafkaReply> replies;
  if (!requests.empty()) {
    context_.metrics.recordKafkaProduceRound(requests.size());
    std::string undecodable;
    replies = handleKafkaProduces(requests, &undecodable);
    if (!undecodable.empty()) problem = undecodable;
  }
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  // The replies in request order, written at once.
  std::string out;
  int64_t throttle_ms = 0;
  for (size_t i = 0; i < replies.size(); ++i) {
    context_.metrics.recordRpc(std::string("kafka_") + produce.name, rpc::ErrorCode::NONE, seconds);
    if (replies[i].body) {
      const bool flexible = headers[i].api_version >= produce.flexible_from;
      out += frame(headers[i].correlation_id, flexible, *replies[i].body);
    }
    throttle_ms = std::max(throttle_ms, replies[i].throttle_ms);
  }
  if (!out.empty() && !connection.write(out)) return std::nullopt;
  if (replies.size() < bodies.size()) {  // request replies.size() could not be decoded
    const size_t culprit = replies.size();
    malformed("malformed", session.peer,
              fmt::format("{} v{}: {}", produce.name, headers[culprit].api_version, problem));
    return std::nullopt;
  }
  if (over) return std::nullopt;
  return throttle_ms;
}

}  // namespace mq::kafka
