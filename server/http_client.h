// A minimal HTTP/1.1 client (Boost.Beast) for webhooks, mqctl's portal calls and tests: one
// request per connection, http:// or https:// (TLS 1.2+, the server's certificate verified
// against the system's CA certificates, or SSL_CERT_FILE / SSL_CERT_DIR when set, and its
// name against the URL's host), with one deadline for connect, handshake, write and read.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace mq {

struct HttpUrl {
  std::string host;
  bool tls = false;          // https://
  int port = 80;             // 443 for https:// without a port
  std::string target = "/";  // path and query

  // Parses http[s]://host[:port][/path][?query]. Returns nullopt with `*problem` naming what
  // is wrong.
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
// (resolve, connect, the TLS handshake (an untrusted or misnamed certificate), timeout, a
// malformed response).
HttpClientResponse httpRequest(const std::string& method, const HttpUrl& url,
                               const std::string& body = "",
                               const std::string& content_type = "application/json",
                               int timeout_ms = 5000,
                               const std::map<std::string, std::string>& headers = {});

}  // namespace mq
