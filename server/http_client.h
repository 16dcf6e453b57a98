// A minimal HTTP/1.1 client (Boost.Beast) for webhooks and tests: one request per
// connection, plain http:// only, with one deadline for connect, write and read.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace mq {

struct HttpUrl {
  std::string host;
  int port = 80;
  std::string target = "/";  // path and query

  // Parses http://host[:port][/path][?query]. Returns nullopt with `*problem` naming what is
  // wrong (https is refused: not supported).
  static std::optional<HttpUrl> parse(const std::string& url, std::string* problem);
  std::string str() const;
};

struct HttpClientResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

// Sends one request (with `headers` besides Host, User-Agent, Connection and Content-Type)
// and reads the whole response. Throws std::runtime_error naming the URL and what failed
// (resolve, connect, timeout, a malformed response).
HttpClientResponse httpRequest(const std::string& method, const HttpUrl& url,
                               const std::string& body = "",
                               const std::string& content_type = "application/json",
                               int timeout_ms = 5000,
                               const std::map<std::string, std::string>& headers = {});

}  // namespace mq
