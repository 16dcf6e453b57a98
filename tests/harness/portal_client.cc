#include "tests/harness/portal_client.h"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/property_tree/json_parser.hpp>
#include <cctype>
#include <chrono>
#include <functional>
#include <sstream>

namespace mq::test {

namespace pt = boost::property_tree;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

std::string PortalResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

pt::ptree PortalResponse::json() const {
  pt::ptree tree;
  std::istringstream in(body);
  pt::read_json(in, tree);
  return tree;
}

PortalResponse send(int port, const std::string& method, const std::string& target,
                    const std::string& body, const std::map<std::string, std::string>& headers) {
  boost::asio::io_context io;
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::seconds(30));
  stream.connect(resolver.resolve("127.0.0.1", std::to_string(port)));
  http::request<http::string_body> request(http::string_to_verb(method), target, 11);
  request.set(http::field::host, fmt::format("127.0.0.1:{}", port));
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty()) {
    if (!headers.count("Content-Type")) request.set(http::field::content_type, "application/json");
    request.body() = body;
  }
  request.prepare_payload();
  // A server refusing a body by its Content-Length (413) answers and closes without reading
  // the rest: writing the rest then fails (broken pipe, reset), but the answer has arrived
  // and is read below.
  beast::error_code write_error;
  http::write(stream, request, write_error);
  if (write_error && write_error != boost::asio::error::broken_pipe &&
      write_error != boost::asio::error::connection_reset) {
    throw beast::system_error(write_error);
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(16 * 1024 * 1024);
  http::read(stream, buffer, parser);
  auto message = parser.release();
  PortalResponse response;
  response.status = static_cast<int>(message.result_int());
  response.body = message.body();
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    response.headers.emplace(name, std::string(field.value()));
  }
  return response;
}

PortalResponse PortalClient::login(const std::string& user, const std::string& password) {
  auto response =
      call("POST", "/api/login", fmt::format(R"({{"user":"{}","password":"{}"}})", user, password));
  const std::string cookie = response.header("set-cookie");
  if (response.status == 200) {
    cookie_ = cookie.substr(0, cookie.find(';'));
    csrf_ = response.json().get<std::string>("csrf_token");
  }
  return response;
}

PortalResponse PortalClient::call(const std::string& method, const std::string& target,
                                  const std::string& body,
                                  std::map<std::string, std::string> headers) {
  if (!cookie_.empty()) headers.emplace("Cookie", cookie_);
  if (method != "GET" && !csrf_.empty()) headers.emplace("X-CSRF-Token", csrf_);
  return send(port_, method, target, body, headers);
}

std::string setUpTwoTeams(PortalClient& admin, const std::string& admin_password,
                          PortalClient& alice, PortalClient& bob) {
  struct Step {
    std::function<PortalResponse()> call;
    int status;
  };
  const Step steps[] = {
      {[&] { return admin.login("admin", admin_password); }, 200},
      {[&] { return admin.post("/api/teams", R"({"name":"payments"})"); }, 201},
      {[&] { return admin.post("/api/teams", R"({"name":"search"})"); }, 201},
      {[&] {
         return admin.post(
             "/api/users",
             R"({"name":"alice","password":"alice-password-1","teams":["payments"]})");
       },
       201},
      {[&] {
         return admin.post("/api/users",
                           R"({"name":"bob","password":"bob-password-12","teams":["search"]})");
       },
       201},
      {[&] { return alice.login("alice", "alice-password-1"); }, 200},
      {[&] { return bob.login("bob", "bob-password-12"); }, 200},
  };
  int number = 0;
  for (const auto& step : steps) {
    ++number;
    auto response = step.call();
    if (response.status != step.status) {
      return fmt::format("portal set-up step {} answered {}: {}", number, response.status,
                         response.body);
    }
  }
  return "";
}

}  // namespace mq::test
