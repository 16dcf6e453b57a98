#include "server/event_rpc_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <thrift/Thrift.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "common/thread_name.h"
#include "server/connection_gate.h"
#include "server/rpc_limits.h"
#include "server/worker_pool.h"

namespace mq {

using apache::thrift::protocol::TBinaryProtocolFactory;
using apache::thrift::protocol::TMessageType;
using apache::thrift::transport::TMemoryBuffer;

namespace {

constexpr uint64_t kListenId = 0;
constexpr uint64_t kWakeId = 1;
constexpr size_t kReadChunk = 64 * 1024;
constexpr std::chrono::milliseconds kAcceptPause{100};

// The address a client connects from, as TSocket::getPeerAddress gives it (the gate counts
// connections per address).
std::string peerAddress(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (address.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(address).sin_addr, text, sizeof text);
  } else if (address.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(address).sin6_addr, text,
              sizeof text);
  }
  return text;
}

uint32_t readLength(const char* bytes) {
  uint32_t length;
  std::memcpy(&length, bytes, 4);
  return ntohl(length);
}

}  // namespace

// One client connection: its bytes read, the reply being sent, and whether a request runs
// (then the thread that finishes it takes the next one; else the loop does).
struct Connection {
  uint64_t id = 0;
  int fd = -1;
  std::string peer;
  std::mutex mutex;
  std::string in;           // bytes read that are not yet a request taken
  std::string out;          // reply bytes the socket did not take at once
  size_t out_sent = 0;      // of `out`
  int64_t out_mute_ms = 0;  // the mute of the reply in `out`
  bool busy = false;        // a request runs, or its reply is being sent
  bool closed = false;
  bool muted = false;   // a quota holds back its next request (releaseMuted ends it)
  bool ended = false;   // the client closed its side (or the connection failed)
  bool unread = false;  // bytes left in the socket at receive()'s bound
};

struct EventRpcServer::Core {
  Core(std::shared_ptr<apache::thrift::TProcessor> processor_in,
       std::map<std::string, AsyncMethod> async_in, ConnectionLimits limits,
       const ConnectionMetrics& metrics)
      : processor(std::move(processor_in)),
        async_methods(std::move(async_in)),
        gate(std::make_shared<ConnectionGate>(limits, metrics)),
        // Decoding limits as RpcServer's (server/rpc_limits.h), strict reads included.
        protocols(std::make_shared<TBinaryProtocolFactory>(kRpcMaxStringBytes, kRpcMaxContainerSize,
                                                           true, true)) {}

  const std::shared_ptr<apache::thrift::TProcessor> processor;
  const std::map<std::string, AsyncMethod> async_methods;
  const std::shared_ptr<ConnectionGate> gate;
  const std::shared_ptr<TBinaryProtocolFactory> protocols;
  int epoll_fd = -1;
  int listen_fd = -1;
  int wake_fd = -1;
  WorkerPool workers;
  std::atomic<bool> stopping{false};
  // Set while accepting pauses after a failed accept (the loop thread's own).
  std::optional<SteadyClock::time_point> accept_paused_until;
  std::vector<char> chunk = std::vector<char>(kReadChunk);  // the loop's receive buffer

  std::mutex mutex;  // guards what follows; taken after a Connection's mutex, never before
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> connections;
  std::vector<std::pair<SteadyClock::time_point, std::weak_ptr<Connection>>> muted;
  uint64_t next_id = 2;  // after kListenId and kWakeId
  size_t running = 0;    // requests taken and not yet answered
  std::condition_variable idle;

  void listen(const std::string& host, int* port);
  void loop();
  void acceptAll();
  void onEvent(const std::shared_ptr<Connection>& connection);
  // REQUIRES: connection.mutex held. Reads what the socket has through `buffer`; false once
  // the client closed or the connection failed.
  bool receive(Connection& connection, char* buffer, size_t size);
  // REQUIRES: connection.mutex held, not busy. Takes the next request into `request` if one
  // is complete (the connection is then busy: the caller dispatches it once it let go of
  // the mutex); else waits for more bytes (or closes a connection whose frame is refused).
  bool next(Connection& connection, std::string* request);
  // Runs a request taken by next(): an asynchronous method on the loop thread itself when
  // `on_loop` (else on a pool thread), any other method on a pool thread.
  void dispatch(const std::shared_ptr<Connection>& connection, std::string request, bool on_loop);
  // Runs a request through the processor (on a pool thread) and replies.
  void serve(const std::shared_ptr<Connection>& connection, std::string request);
  void finish(const std::shared_ptr<Connection>& connection, std::string message, int64_t mute_ms);
  // REQUIRES: connection.mutex held. Sends what is left of `out`; false on a socket error.
  bool flush(Connection& connection);
  // REQUIRES: connection.mutex held; its reply is sent. As next(), unless it is muted.
  bool replied(const std::shared_ptr<Connection>& connection, int64_t mute_ms,
               std::string* request);
  // REQUIRES: connection->mutex held.
  void close(Connection& connection);
  void wake();
  void releaseMuted(SteadyClock::time_point now);
  // Milliseconds until a mute ends or accepting resumes (-1: none pending).
  int msUntilNextTimer(SteadyClock::time_point now);
  void requestEnded();
};

void EventRpcServer::Core::listen(const std::string& host, int* port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_ADDRCONFIG;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(*port);
  const int rc =
      getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) throw std::runtime_error(gai_strerror(rc));
  std::string error = "no address";
  // IPv6 first (it also takes IPv4 connections), as TServerSocket does.
  std::vector<addrinfo*> candidates;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (a->ai_family == AF_INET6) candidates.insert(candidates.begin(), a);
    if (a->ai_family == AF_INET) candidates.push_back(a);
  }
  for (addrinfo* a : candidates) {
    const int fd = ::socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      error = std::strerror(errno);
      continue;
    }
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (a->ai_family == AF_INET6) {
      const int zero = 0;
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    }
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, 1024) != 0) {
      error = std::strerror(errno);
      ::close(fd);
      continue;
    }
    listen_fd = fd;
    break;
  }
  freeaddrinfo(found);
  if (listen_fd < 0) throw std::runtime_error(error);
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  getsockname(listen_fd, reinterpret_cast<sockaddr*>(&bound), &length);
  *port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(bound).sin6_port
                                            : reinterpret_cast<sockaddr_in&>(bound).sin_port);
  epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd < 0 || wake_fd < 0) throw std::runtime_error(std::strerror(errno));
  epoll_event listen_event{};
  listen_event.events = EPOLLIN;
  listen_event.data.u64 = kListenId;
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &listen_event);
  epoll_event wake_event{};
  wake_event.events = EPOLLIN;
  wake_event.data.u64 = kWakeId;
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &wake_event);
}

void EventRpcServer::Core::loop() {
  std::vector<epoll_event> events(256);
  while (!stopping) {
    const int timeout = msUntilNextTimer(SteadyClock::now());
    const int n = epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), timeout);
    if (n < 0 && errno != EINTR) {
      logError("event loop failed; the port stops serving").kv("error", std::strerror(errno));
      return;
    }
    for (int i = 0; i < n; ++i) {
      const uint64_t id = events[i].data.u64;
      if (id == kListenId) {
        acceptAll();
      } else if (id == kWakeId) {
        uint64_t count;
        (void)!::read(wake_fd, &count, sizeof count);
      } else {
        std::shared_ptr<Connection> connection;
        {
          std::lock_guard<std::mutex> lock(mutex);
          auto it = connections.find(id);
          if (it != connections.end()) connection = it->second;
        }
        if (connection) onEvent(connection);
      }
    }
    releaseMuted(SteadyClock::now());
    if (accept_paused_until && *accept_paused_until <= SteadyClock::now()) {
      accept_paused_until.reset();
      epoll_event listening{};
      listening.events = EPOLLIN;
      listening.data.u64 = kListenId;
      epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &listening);
    }
  }
}

void EventRpcServer::Core::acceptAll() {
  for (;;) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    const int fd = accept4(listen_fd, reinterpret_cast<sockaddr*>(&address), &length,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        // Out of descriptors, say. The connection waits in the backlog, and the listening
        // socket would wake the loop again at once: it is left alone for kAcceptPause.
        logWarn("accept failed; accepting again in 100 ms").kv("error", std::strerror(errno));
        epoll_event paused{};
        paused.data.u64 = kListenId;
        epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &paused);
        accept_paused_until = SteadyClock::now() + kAcceptPause;
      }
      return;
    }
    std::string peer = peerAddress(address);
    std::string refusal;
    if (!gate->admit(peer, &refusal)) {
      sendRefusalFrame(fd, refusal);
      ::close(fd);
      continue;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto connection = std::make_shared<Connection>();
    connection->fd = fd;
    connection->peer = std::move(peer);
    {
      std::lock_guard<std::mutex> lock(mutex);
      connection->id = next_id++;
      connections.emplace(connection->id, connection);
    }
    epoll_event event{};
    // Edge-triggered, registered once: no epoll_ctl per request. The loop reads whatever
    // arrives (also while a request runs: kept for next()); a reply the socket did not take
    // at once is sent on the writable edge.
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.u64 = connection->id;
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event);
  }
}

void EventRpcServer::Core::onEvent(const std::shared_ptr<Connection>& connection) {
  std::string request;
  bool taken = false;
  {
    std::lock_guard<std::mutex> lock(connection->mutex);
    if (connection->closed) return;
    if (!receive(*connection, chunk.data(), chunk.size()) && !connection->busy) {
      return close(*connection);  // the client closed, or the connection failed
    }
    if (connection->busy) {
      // The rest of a reply, if the socket takes it now; else this was an arrival (or the
      // end) for later.
      if (connection->out.empty()) return;
      if (!flush(*connection)) return close(*connection);
      if (connection->out_sent < connection->out.size()) return;
      taken = replied(connection, connection->out_mute_ms, &request);
    } else {
      taken = next(*connection, &request);
    }
  }
  if (taken) dispatch(connection, std::move(request), /*on_loop=*/true);
}

bool EventRpcServer::Core::receive(Connection& connection, char* buffer, size_t size) {
  while (!connection.ended) {
    // A frame's worth in hand is enough: a client that keeps sending (while its request
    // runs, or muted) then waits in its socket, as with a thread per connection, and one
    // connection never keeps the loop reading.
    if (connection.in.size() >= 4 + static_cast<size_t>(kRpcMaxFrameBytes)) {
      connection.unread = true;
      return true;
    }
    const ssize_t got = ::recv(connection.fd, buffer, size, 0);
    if (got > 0) {
      connection.in.append(buffer, static_cast<size_t>(got));
      if (static_cast<size_t>(got) < size) break;  // drained: the next arrival is an edge
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    connection.ended = true;
  }
  connection.unread = false;
  return !connection.ended;
}

bool EventRpcServer::Core::next(Connection& connection, std::string* request) {
  std::string& in = connection.in;
  if (connection.unread) {
    char buffer[16 * 1024];
    receive(connection, buffer, sizeof buffer);
  }
  if (connection.ended) {  // the client is gone: nobody to answer
    close(connection);
    return false;
  }
  if (connection.muted) return false;  // what arrives waits in `in` until the mute ends
  if (in.size() >= 4) {
    const uint32_t length = readLength(in.data());
    if (length == 0 || length > static_cast<uint32_t>(kRpcMaxFrameBytes)) {
      logDebug("thrift")
          .kv("detail", "frame size out of range; closing the connection")
          .kv("peer", connection.peer)
          .kv("frame_bytes", static_cast<int64_t>(length));
      close(connection);
      return false;
    }
    if (in.size() >= 4 + static_cast<size_t>(length)) {
      if (in.size() == 4 + static_cast<size_t>(length)) {
        *request = std::move(in);
        request->erase(0, 4);
        in.clear();
      } else {
        request->assign(in, 4, length);
        in.erase(0, 4 + static_cast<size_t>(length));
      }
      connection.busy = true;
      std::lock_guard<std::mutex> lock(mutex);
      ++running;
      return true;
    }
  }
  return false;
}

void EventRpcServer::Core::dispatch(const std::shared_ptr<Connection>& connection,
                                    std::string request, bool on_loop) {
  std::string name;
  TMessageType type;
  int32_t seqid = 0;
  try {
    auto in = std::make_shared<TMemoryBuffer>(reinterpret_cast<uint8_t*>(request.data()),
                                              static_cast<uint32_t>(request.size()));
    protocols->getProtocol(in)->readMessageBegin(name, type, seqid);
  } catch (const std::exception& e) {
    logDebug("thrift").kv("detail", e.what()).kv("peer", connection->peer);
    return finish(connection, "", 0);
  }
  auto method = async_methods.find(name);
  if (method == async_methods.end()) {
    return workers.post([this, connection, request = std::move(request)]() mutable {
      serve(connection, std::move(request));
    });
  }
  // Answered once: a method that broke its contract and threw after replying must not
  // answer (and end the request) twice.
  auto answered = std::make_shared<std::atomic<bool>>(false);
  Reply reply = [this, connection, answered](std::string message, int64_t mute_ms) {
    if (!answered->exchange(true)) finish(connection, std::move(message), mute_ms);
  };
  auto run = [this, &method = method->second](std::string request, Reply reply) {
    try {
      method(std::move(request), reply, workers);
    } catch (const std::exception& e) {
      // Not to end the loop (and the process): that one connection ends.
      logError("an asynchronous method threw; closing its connection").kv("error", e.what());
      reply("", 0);
    }
  };
  if (on_loop) return run(std::move(request), std::move(reply));
  // Taken by a thread that finished a reply (a pipelined request, say): not ours to block.
  workers.post([run, request = std::move(request), reply = std::move(reply)]() mutable {
    run(std::move(request), std::move(reply));
  });
}

void EventRpcServer::Core::serve(const std::shared_ptr<Connection>& connection,
                                 std::string request) {
  std::string reply;
  int64_t mute_ms = 0;
  try {
    auto in = std::make_shared<TMemoryBuffer>(reinterpret_cast<uint8_t*>(request.data()),
                                              static_cast<uint32_t>(request.size()));
    auto out = std::make_shared<TMemoryBuffer>();
    if (processRemoteCall(*processor, protocols->getProtocol(in), protocols->getProtocol(out),
                          nullptr, mute_ms)) {
      reply = out->getBufferAsString();
    }
  } catch (const apache::thrift::TException& e) {
    logDebug("thrift").kv("detail", e.what()).kv("peer", connection->peer);
  }
  finish(connection, std::move(reply), mute_ms);
}

void EventRpcServer::Core::finish(const std::shared_ptr<Connection>& connection,
                                  std::string message, int64_t mute_ms) {
  std::string request;
  bool taken = false;
  {
    std::lock_guard<std::mutex> lock(connection->mutex);
    if (connection->closed) {
    } else if (message.empty()) {
      close(*connection);
    } else {
      // Frame and send it now, from this thread; what the socket does not take is sent by
      // the loop when it can.
      const uint32_t length = htonl(static_cast<uint32_t>(message.size()));
      char header[4];
      std::memcpy(header, &length, 4);
      iovec parts[2] = {{header, 4}, {message.data(), message.size()}};
      msghdr out{};
      out.msg_iov = parts;
      out.msg_iovlen = 2;
      ssize_t sent;
      do {
        sent = ::sendmsg(connection->fd, &out, MSG_NOSIGNAL | MSG_DONTWAIT);
      } while (sent < 0 && errno == EINTR);
      if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        close(*connection);
      } else if (static_cast<size_t>(std::max<ssize_t>(sent, 0)) == 4 + message.size()) {
        taken = replied(connection, mute_ms, &request);
      } else {
        const size_t done = static_cast<size_t>(std::max<ssize_t>(sent, 0));
        connection->out.assign(header, 4);
        connection->out += message;
        connection->out_sent = done;
        connection->out_mute_ms = mute_ms;  // the loop sends the rest on the writable edge
      }
    }
  }
  if (taken) dispatch(connection, std::move(request), /*on_loop=*/false);
  requestEnded();
}

bool EventRpcServer::Core::flush(Connection& connection) {
  while (connection.out_sent < connection.out.size()) {
    const ssize_t sent =
        ::send(connection.fd, connection.out.data() + connection.out_sent,
               connection.out.size() - connection.out_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    connection.out_sent += static_cast<size_t>(sent);
  }
  return true;
}

bool EventRpcServer::Core::replied(const std::shared_ptr<Connection>& connection, int64_t mute_ms,
                                   std::string* request) {
  connection->busy = false;
  connection->out.clear();
  connection->out_sent = 0;
  if (stopping) {
    close(*connection);
    return false;
  }
  if (mute_ms > 0) {
    // A throttled caller (quotas): its next request waits; the loop takes it at the time.
    connection->muted = true;
    {
      std::lock_guard<std::mutex> lock(mutex);
      muted.emplace_back(SteadyClock::now() + std::chrono::milliseconds(mute_ms), connection);
    }
    wake();
    return false;
  }
  return next(*connection, request);
}

void EventRpcServer::Core::close(Connection& connection) {
  if (connection.closed) return;
  connection.closed = true;
  epoll_ctl(epoll_fd, EPOLL_CTL_DEL, connection.fd, nullptr);
  ::close(connection.fd);
  gate->release(connection.peer);
  std::lock_guard<std::mutex> lock(mutex);
  connections.erase(connection.id);
}

void EventRpcServer::Core::wake() {
  const uint64_t one = 1;
  (void)!::write(wake_fd, &one, sizeof one);
}

int EventRpcServer::Core::msUntilNextTimer(SteadyClock::time_point now) {
  std::optional<SteadyClock::time_point> first = accept_paused_until;
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto& entry : muted) first = first ? std::min(*first, entry.first) : entry.first;
  }
  if (!first) return -1;
  if (*first <= now) return 0;
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(*first - now).count());
}

void EventRpcServer::Core::releaseMuted(SteadyClock::time_point now) {
  std::vector<std::shared_ptr<Connection>> due;
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto it = muted.begin(); it != muted.end();) {
      if (it->first > now) {
        ++it;
        continue;
      }
      if (auto connection = it->second.lock()) due.push_back(std::move(connection));
      it = muted.erase(it);
    }
  }
  for (const auto& connection : due) {
    std::string request;
    bool taken = false;
    {
      std::lock_guard<std::mutex> lock(connection->mutex);
      connection->muted = false;
      if (!connection->closed && !connection->busy) taken = next(*connection, &request);
    }
    if (taken) dispatch(connection, std::move(request), /*on_loop=*/true);
  }
}

void EventRpcServer::Core::requestEnded() {
  std::lock_guard<std::mutex> lock(mutex);
  if (--running == 0) idle.notify_all();
}

EventRpcServer::EventRpcServer(std::shared_ptr<apache::thrift::TProcessor> processor,
                               std::map<std::string, AsyncMethod> async_methods, std::string host,
                               int port, ConnectionLimits limits, ConnectionMetrics metrics)
    : host_(std::move(host)),
      port_(port),
      core_(
          std::make_shared<Core>(std::move(processor), std::move(async_methods), limits, metrics)) {
  logThriftDiagnostics();
}

EventRpcServer::~EventRpcServer() { stop(); }

std::shared_ptr<ConnectionGate> EventRpcServer::gate() const { return core_->gate; }

void EventRpcServer::start() {
  try {
    core_->listen(host_, &port_);
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("cannot listen on {}:{}: {}", host_, port_, e.what()));
  }
  thread_ = std::thread([core = core_] {
    nameThisThread("rpc-loop");
    core->loop();
  });
}

void EventRpcServer::stop() {
  if (!thread_.joinable()) return;
  core_->stopping = true;
  core_->wake();
  thread_.join();
  // Idle connections close now, busy ones once their reply is sent (Core::replied).
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard<std::mutex> lock(core_->mutex);
    for (const auto& entry : core_->connections) open.push_back(entry.second);
  }
  for (const auto& connection : open) {
    std::lock_guard<std::mutex> lock(connection->mutex);
    if (!connection->busy) core_->close(*connection);
  }
  {
    std::unique_lock<std::mutex> lock(core_->mutex);
    core_->idle.wait(lock, [this] { return core_->running == 0; });
  }
  core_->workers.stop();
  open.clear();
  {
    std::lock_guard<std::mutex> lock(core_->mutex);
    for (const auto& entry : core_->connections) open.push_back(entry.second);
  }
  for (const auto& connection : open) {
    std::lock_guard<std::mutex> lock(connection->mutex);
    core_->close(*connection);
  }
  ::close(core_->listen_fd);
  ::close(core_->wake_fd);
  ::close(core_->epoll_fd);
}

}  // namespace mq
