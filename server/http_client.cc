#include "server/http_client.h"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <stdexcept>
#include <type_traits>

namespace mq {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::optional<HttpUrl> HttpUrl::parse(const std::string& url, std::string* problem) {
  HttpUrl parsed;
  std::string scheme = "http://";
  if (url.rfind("https://", 0) == 0) {
    scheme = "https://";
    parsed.tls = true;
    parsed.port = 443;
  } else if (url.rfind(scheme, 0) != 0) {
    *problem = "the URL must start with http:// or https://";
    return std::nullopt;
  }
  std::string rest = url.substr(scheme.size());
  const auto slash = rest.find_first_of("/?");
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) {
    parsed.target = rest.substr(slash);
    if (parsed.target[0] == '?') parsed.target = "/" + parsed.target;
  }
  if (authority.find('@') != std::string::npos) {
    *problem = "user:password@ in the URL is not supported";
    return std::nullopt;
  }
  const auto colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    const std::string port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) < 1 ||
        std::stoi(port) > 65535) {
      *problem = "the URL's port must be 1..65535";
      return std::nullopt;
    }
    parsed.port = std::stoi(port);
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) {
    *problem = "the URL has no host";
    return std::nullopt;
  }
  for (char c : parsed.target + authority) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      *problem = "the URL must not contain spaces or control characters";
      return std::nullopt;
    }
  }
  parsed.host = authority;
  return parsed;
}

std::string HttpUrl::str() const {
  return fmt::format("{}://{}:{}{}", tls ? "https" : "http", host, port, target);
}

namespace {

// The steps of one exchange on `stream` (a tcp_stream, or an ssl_stream over one), each
// failure recorded by `fail` with the step it happened in. Returns at once: the handlers run
// later, in the caller's io.run(), so everything they reach by reference (`fail` included)
// must be the caller's and outlive that run, never a local of this function.
template <class Stream, class Fail>
void exchange(Stream& stream, tcp::resolver& resolver, const HttpUrl& url,
              http::request<http::string_body>& request, beast::flat_buffer& buffer,
              http::response_parser<http::string_body>& parser, Fail& fail) {
  auto& socket = beast::get_lowest_layer(stream);
  auto after_handshake = [&] {
    http::async_write(stream, request, [&](beast::error_code ec, std::size_t) {
      if (ec) return fail("sending", ec);
      http::async_read(stream, buffer, parser, [&](beast::error_code ec, std::size_t) {
        if (ec) return fail("reading the response", ec);
        beast::error_code ignored;
        socket.socket().shutdown(tcp::socket::shutdown_both, ignored);
      });
    });
  };
  resolver.async_resolve(
      url.host, std::to_string(url.port),
      [&, after_handshake](beast::error_code ec, tcp::resolver::results_type results) {
        if (ec) return fail("resolving", ec);
        socket.async_connect(results,
                             [&, after_handshake](beast::error_code ec, const tcp::endpoint&) {
                               if (ec) return fail("connecting", ec);
                               if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
                                 after_handshake();
                               } else {
                                 stream.async_handshake(asio::ssl::stream_base::client,
                                                        [&, after_handshake](beast::error_code ec) {
                                                          if (ec)
                                                            return fail("in the TLS handshake", ec);
                                                          after_handshake();
                                                        });
                               }
                             });
      });
}

// The client's TLS context: TLS 1.2 or later, the peer's chain verified against the system's
// CA certificates (OpenSSL's default paths: SSL_CERT_FILE / SSL_CERT_DIR when set).
asio::ssl::context tlsContext() {
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1);
  context.set_default_verify_paths();
  context.set_verify_mode(asio::ssl::verify_peer);
  return context;
}

}  // namespace

HttpClientResponse httpRequest(const std::string& method, const HttpUrl& url,
                               const std::string& body, const std::string& content_type,
                               int timeout_ms, const std::map<std::string, std::string>& headers) {
  asio::io_context io;
  tcp::resolver resolver(io);
  beast::flat_buffer buffer;
  http::request<http::string_body> request(http::string_to_verb(method), url.target, 11);
  request.set(http::field::host, fmt::format("{}:{}", url.host, url.port));
  request.set(http::field::user_agent, "mq");
  request.set(http::field::connection, "close");
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty() || method == "POST" || method == "PUT") {
    request.set(http::field::content_type, content_type);
    request.body() = body;
  }
  request.prepare_payload();
  http::response_parser<http::string_body> parser;
  parser.body_limit(16 * 1024 * 1024);
  if (method == "HEAD") parser.skip(true);  // Content-Length without a body
  beast::error_code failure;
  const char* step = "resolving";
  auto fail = [&](const char* what, beast::error_code ec) {
    if (!failure) {
      failure = ec;
      step = what;
    }
  };

  if (url.tls) {
    auto context = tlsContext();
    beast::ssl_stream<beast::tcp_stream> stream(io, context);
    // SNI, and the certificate must name the host.
    if (!SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str())) {
      throw std::runtime_error(
          fmt::format("{} {} failed: cannot set the TLS server name", method, url.str()));
    }
    stream.set_verify_callback(asio::ssl::host_name_verification(url.host));
    beast::get_lowest_layer(stream).expires_after(std::chrono::milliseconds(timeout_ms));
    exchange(stream, resolver, url, request, buffer, parser, fail);
    io.run();
  } else {
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::milliseconds(timeout_ms));
    exchange(stream, resolver, url, request, buffer, parser, fail);
    io.run();
  }
  if (failure) {
    throw std::runtime_error(fmt::format(
        "{} {} failed while {}: {}", method, url.str(), step,
        failure == beast::error::timeout ? std::string("timed out") : failure.message()));
  }
  HttpClientResponse response;
  auto message = parser.release();
  response.status = static_cast<int>(message.result_int());
  response.body = std::move(message.body());
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    response.headers[name] = std::string(field.value());
  }
  return response;
}

}  // namespace mq
