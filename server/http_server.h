// A small HTTP/1.1 server (Boost.Beast on a few Asio threads) for the metaserver's port:
// GET /metrics, the JSON API under /api/, and later the portal's static files.
//
// - Routes are a method plus a path prefix that matches whole segments ("/api/groups"
//   matches "/api/groups" and "/api/groups/g1/lag", not "/api/groupsX"); the longest prefix
//   wins, so a catch-all "/" route (static files) can sit under the specific ones. A path
//   that matches a route of another method gets 405; no route at all gets 404.
// - A filter runs before every handler (cookie auth, later) and may answer instead.
// - Limits: header and body sizes (431 / 413), a read timeout per request (also the idle
//   keep-alive timeout), a connection cap. Garbage ends only its own connection, with a 400
//   when a response can still be written. A handler that throws answers 500.
// - Handlers run on the server's threads and may block (database reads); keep them short.
//
// Errors are JSON: {"error":{"status":404,"code":"not_found","message":"..."}}.
#pragma once

#include <prometheus/collectable.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mq {

struct HttpRequest {
  std::string method;                          // "GET"
  std::string target;                          // as sent: "/api/groups/a%2Fb/lag?x=1"
  std::string path;                            // the target without the query, not decoded
  std::vector<std::string> segments;           // the path split at '/', each percent-decoded
  std::map<std::string, std::string> query;    // decoded query parameters (last one wins)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string remote_address;  // "127.0.0.1:53422"
  // Who is asking, as the audit log names them ("user:alice"): set by the filter after it
  // authenticated the request; "" when nobody did.
  std::string principal;

  // The header's value ("" when absent). `name` in lower case.
  std::string header(const std::string& name) const;
  // The query parameter's value, or nullopt.
  std::optional<std::string> param(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra: Set-Cookie, Allow, ...

  static HttpResponse json(int status, std::string body);
  static HttpResponse text(int status, std::string body,
                           std::string content_type = "text/plain; charset=utf-8");
  // {"error":{"status":<status>,"code":"<code>","message":"<message>"}}, JSON-escaped.
  static HttpResponse error(int status, std::string_view code, std::string_view message);
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;
// Runs before the routed handler; a response returned here is sent instead. It may set
// `request.principal`, which the handler then sees.
using HttpFilter = std::function<std::optional<HttpResponse>(HttpRequest&)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port (see HttpServer::port)
  int threads = 2;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  // A request must arrive whole within this; also how long an idle keep-alive connection
  // stays open, and the bound on writing a response to a client that does not read.
  int timeout_ms = 30000;
  int max_connections = 512;  // further connections are closed at once
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // `method`: "GET", "POST", "DELETE", ... or "*" for any. HEAD requests are served by the
  // GET route without the body. REQUIRES: called before start().
  void route(const std::string& method, const std::string& prefix, HttpHandler handler);
  // REQUIRES: called before start().
  void setFilter(HttpFilter filter);

  // Binds and starts the threads. Throws std::runtime_error "cannot serve HTTP on
  // host:port: ..." when it cannot bind.
  void start();
  // Closes the listener and every connection and joins the threads. Idempotent.
  void stop();
  // The bound port (after start()).
  int port() const;

  // Routes and answers one request without a socket (tests, and the server itself).
  HttpResponse dispatch(const HttpRequest& request) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits a target into path, decoded segments and decoded query. Returns false (with
// `*problem`) for a target that is not an absolute path or has a bad percent escape.
bool parseHttpTarget(const std::string& target, HttpRequest* request, std::string* problem);

// Percent-decodes `text` ('+' as a space when `plus_is_space`); nullopt on a bad escape.
std::optional<std::string> percentDecode(std::string_view text, bool plus_is_space);

// A GET handler for /metrics: every collectable in the Prometheus text format, version 0.0.4.
// Pass a ProcessCollector (server/metrics.h) for the process_* metrics.
HttpHandler metricsHandler(std::vector<std::shared_ptr<prometheus::Collectable>> collectables);

}  // namespace mq
