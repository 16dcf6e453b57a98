#include "server/http_server.h"

#include <fmt/format.h>
#include <prometheus/text_serializer.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/json_writer.h"
#include "common/log.h"
#include "common/thread_name.h"

namespace mq {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// --- Requests and responses ------------------------------------------------------------

std::string HttpRequest::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

std::optional<std::string> HttpRequest::param(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

HttpResponse HttpResponse::json(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

HttpResponse HttpResponse::text(int status, std::string body, std::string content_type) {
  HttpResponse response;
  response.status = status;
  response.content_type = std::move(content_type);
  response.body = std::move(body);
  return response;
}

HttpResponse HttpResponse::error(int status, std::string_view code, std::string_view message) {
  std::string body = fmt::format("{{\"error\":{{\"status\":{},\"code\":", status);
  appendJsonString(body, code);
  body += ",\"message\":";
  appendJsonString(body, message);
  body += "}}";
  return json(status, std::move(body));
}

std::optional<std::string> percentDecode(std::string_view text, bool plus_is_space) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = hex(text[i + 1]);
      int low = hex(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

bool parseHttpTarget(const std::string& target, HttpRequest* request, std::string* problem) {
  if (target.empty() || target[0] != '/') {
    *problem = "the request target must be an absolute path";
    return false;
  }
  const auto question = target.find('?');
  request->path = target.substr(0, question);
  // "/a/b/" -> {"a", "b"}; "/" -> {}; empty segments inside ("/a//b") are kept.
  request->segments.clear();
  std::string_view rest = std::string_view(request->path).substr(1);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  for (size_t start = 0; !rest.empty();) {
    const size_t slash = rest.find('/', start);
    auto decoded = percentDecode(
        rest.substr(start, slash == std::string_view::npos ? slash : slash - start), false);
    if (!decoded) {
      *problem = "bad percent escape in the path";
      return false;
    }
    request->segments.push_back(std::move(*decoded));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  request->query.clear();
  if (question != std::string::npos) {
    std::string_view query = std::string_view(target).substr(question + 1);
    while (!query.empty()) {
      auto amp = query.find('&');
      auto pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      if (pair.empty()) continue;
      auto equals = pair.find('=');
      auto name = percentDecode(pair.substr(0, equals), true);
      auto value = percentDecode(
          equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1), true);
      if (!name || !value) {
        *problem = "bad percent escape in the query";
        return false;
      }
      request->query[*name] = *value;
    }
  }
  return true;
}

HttpHandler metricsHandler(std::vector<std::shared_ptr<prometheus::Collectable>> collectables) {
  return [collectables = std::move(collectables)](const HttpRequest&) {
    std::vector<prometheus::MetricFamily> families;
    for (const auto& collectable : collectables) {
      auto collected = collectable->Collect();
      families.insert(families.end(), std::make_move_iterator(collected.begin()),
                      std::make_move_iterator(collected.end()));
    }
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, families);
    return HttpResponse::text(200, out.str(), "text/plain; version=0.0.4; charset=utf-8");
  };
}

// --- The server ------------------------------------------------------------------------

// Not an anonymous namespace: HttpServer::Impl, declared in the header, holds a ServerCore.
namespace http_server_detail {

struct Route {
  std::string method;
  std::string prefix;
  HttpHandler handler;
};

// True when `prefix` matches `path` at a segment boundary.
bool prefixMatches(const std::string& prefix, const std::string& path) {
  if (path.compare(0, prefix.size(), prefix) != 0) return false;
  return path.size() == prefix.size() || prefix.back() == '/' || path[prefix.size()] == '/';
}

// What every connection shares: the options, the routes and the connection count.
struct ServerCore {
  explicit ServerCore(HttpServerOptions server_options) : options(std::move(server_options)) {}

  HttpResponse dispatch(const HttpRequest& request) const {
    // Only the routes with the longest prefix that matches the path take part: the path
    // names a resource, the method picks what to do with it.
    size_t longest = 0;
    bool matched = false;
    for (const auto& route : routes) {
      if (prefixMatches(route.prefix, request.path) &&
          (!matched || route.prefix.size() > longest)) {
        longest = route.prefix.size();
        matched = true;
      }
    }
    if (!matched) return HttpResponse::error(404, "not_found", "no such resource: " + request.path);
    const Route* best = nullptr;
    std::string allow;
    for (const auto& route : routes) {
      if (route.prefix.size() != longest || !prefixMatches(route.prefix, request.path)) continue;
      allow += (allow.empty() ? "" : ", ") + route.method;
      const bool head_as_get = request.method == "HEAD" && route.method == "GET";
      if (!best && (route.method == "*" || route.method == request.method || head_as_get)) {
        best = &route;
      }
    }
    if (!best) {
      auto response =
          HttpResponse::error(405, "method_not_allowed",
                              fmt::format("{} is not allowed on {}", request.method, request.path));
      response.headers.emplace_back("Allow", allow);
      return response;
    }
    try {
      if (filter) {
        HttpRequest filtered = request;
        if (auto answer = filter(filtered)) return *answer;
        return best->handler(filtered);
      }
      return best->handler(request);
    } catch (const std::exception& e) {
      logWarn("http handler failed")
          .kv("method", request.method)
          .kv("path", request.path)
          .kv("error", e.what());
      return HttpResponse::error(500, "internal", e.what());
    } catch (...) {
      return HttpResponse::error(500, "internal", "unexpected error");
    }
  }

  const HttpServerOptions options;
  std::vector<Route> routes;
  HttpFilter filter;
  std::atomic<int> connections{0};
};

// One connection: reads requests one at a time (keep-alive), answers each, and closes on
// errors, timeouts, `Connection: close` or a request it cannot parse.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ServerCore& server) : stream_(std::move(socket)), server_(server) {
    beast::error_code ec;
    auto remote = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = fmt::format("{}:{}", remote.address().to_string(), remote.port());
  }
  ~Session() { server_.connections--; }

  void run() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&Session::read, shared_from_this()));
  }

 private:
  void read() {
    head_length_.reset();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
    parser_->body_limit(server_.options.max_body_bytes);
    stream_.expires_after(std::chrono::milliseconds(server_.options.timeout_ms));
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::onRead, shared_from_this()));
  }

  void onRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
      return close();
    }
    if (ec) {
      // Malformed or oversized: answer once, then close.
      if (ec == http::error::body_limit) {
        return write(
            HttpResponse::error(413, "too_large",
                                fmt::format("request body too large: the limit is {} bytes",
                                            server_.options.max_body_bytes)),
            false, 11);
      }
      if (ec == http::error::header_limit) {
        return write(
            HttpResponse::error(431, "headers_too_large",
                                fmt::format("request headers too large: the limit is {} bytes",
                                            server_.options.max_header_bytes)),
            false, 11);
      }
      return write(HttpResponse::error(400, "bad_request", ec.message()), false, 11);
    }
    auto message = parser_->release();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.remote_address = remote_;
    for (const auto& field : message) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      request.headers[name] = std::string(field.value());
    }
    request.body = std::move(message.body());
    std::string problem;
    HttpResponse response;
    if (!parseHttpTarget(request.target, &request, &problem)) {
      response = HttpResponse::error(400, "bad_request", problem);
    } else {
      response = server_.dispatch(request);
    }
    if (request.method == "HEAD") {
      head_length_ = response.body.size();
      response.body.clear();
    } else {
      head_length_.reset();
    }
    write(std::move(response), message.keep_alive(), message.version());
  }

  void write(HttpResponse response, bool keep_alive, unsigned version) {
    response_ = {};
    response_.version(version);
    response_.result(static_cast<unsigned>(response.status));
    response_.set(http::field::server, "mq");
    response_.set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) response_.insert(name, value);
    response_.body() = std::move(response.body);
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    if (head_length_) response_.content_length(*head_length_);
    stream_.expires_after(std::chrono::milliseconds(server_.options.timeout_ms));
    http::async_write(
        stream_, response_,
        beast::bind_front_handler(&Session::onWrite, shared_from_this(), !keep_alive));
  }

  void onWrite(bool close_after, beast::error_code ec, std::size_t) {
    if (ec || close_after) return close();
    read();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  ServerCore& server_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  std::optional<size_t> head_length_;
};

}  // namespace http_server_detail

using http_server_detail::Route;
using http_server_detail::ServerCore;
using http_server_detail::Session;

class HttpServer::Impl {
 public:
  explicit Impl(HttpServerOptions options) : core_(std::move(options)), acceptor_(io_) {}

  void start() {
    const std::string address = fmt::format("{}:{}", core_.options.host, core_.options.port);
    try {
      tcp::endpoint endpoint(asio::ip::make_address(core_.options.host),
                             static_cast<unsigned short>(core_.options.port));
      acceptor_.open(endpoint.protocol());
      acceptor_.set_option(asio::socket_base::reuse_address(true));
      acceptor_.bind(endpoint);
      acceptor_.listen(asio::socket_base::max_listen_connections);
      port_ = acceptor_.local_endpoint().port();
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("cannot serve HTTP on {}: {}", address, e.what()));
    }
    accept();
    for (int i = 0; i < std::max(1, core_.options.threads); ++i) {
      threads_.emplace_back([this] {
        nameThisThread("http");
        // A handler that throws must not take a thread away from the pool.
        for (;;) {
          try {
            io_.run();
            return;
          } catch (const std::exception& e) {
            logError("http server thread caught an exception").kv("error", e.what());
          }
        }
      });
    }
  }

  void stop() {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    if (stopped_) return;
    stopped_ = true;
    asio::post(io_, [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
    });
    io_.stop();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
  }

  int port() const { return port_; }

  ServerCore& core() { return core_; }

 private:
  void accept() {
    acceptor_.async_accept(
        asio::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
          if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
          if (!ec) {
            if (core_.connections.fetch_add(1) >= core_.options.max_connections) {
              core_.connections--;
              beast::error_code ignored;
              socket.close(ignored);
            } else {
              std::make_shared<Session>(std::move(socket), core_)->run();
            }
          }
          accept();
        });
  }

  ServerCore core_;
  // Sessions hold sockets of io_: it must outlive them (they go with its queued handlers).
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  std::mutex stop_mutex_;
  bool stopped_ = false;
  int port_ = 0;
};

HttpServer::HttpServer(HttpServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::route(const std::string& method, const std::string& prefix, HttpHandler handler) {
  impl_->core().routes.push_back(Route{method, prefix, std::move(handler)});
}

void HttpServer::setFilter(HttpFilter filter) { impl_->core().filter = std::move(filter); }

void HttpServer::start() { impl_->start(); }

void HttpServer::stop() { impl_->stop(); }

int HttpServer::port() const { return impl_->port(); }

HttpResponse HttpServer::dispatch(const HttpRequest& request) const {
  return impl_->core().dispatch(request);
}

}  // namespace mq
