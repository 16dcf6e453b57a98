#include "client/mqctl/portal_client.h"

#include <fmt/format.h>

#include <cctype>

#include "common/json_document.h"

namespace mq::mqctl {
namespace {

namespace pt = boost::property_tree;

// The portal's answers: message pages can be large (64 KiB shown of each key, value and
// header), none nests deeper than a few levels.
pt::ptree parseJson(const std::string& text) {
  if (text.empty()) return pt::ptree();
  JsonLimits limits;
  limits.max_bytes = 256 * 1024 * 1024;
  return parseJsonDocument(text, limits);
}

}  // namespace

PortalError::PortalError(int status, std::string code, std::string field,
                         const std::string& message)
    : std::runtime_error(message),
      status_(status),
      code_(std::move(code)),
      field_(std::move(field)) {}

PortalClient::PortalClient(PortalLogin login) : login_(std::move(login)) {
  std::string problem;
  auto url = HttpUrl::parse(login_.url, &problem);
  if (!url) throw std::invalid_argument(fmt::format("--portal `{}`: {}", login_.url, problem));
  base_ = *url;
  while (!base_.target.empty() && base_.target.back() == '/') base_.target.pop_back();
  auto signed_in = call(
      "POST", "/api/login",
      fmt::format(R"({{"user":{},"password":{}}})", quote(login_.user), quote(login_.password)));
  csrf_token_ = signed_in.get<std::string>("csrf_token", "");
  if (cookie_.empty() || csrf_token_.empty()) {
    throw std::runtime_error(
        fmt::format("signing in at {} gave no session (is this an mq metaserver's HTTP port, "
                    "with http-auth on?)",
                    login_.url));
  }
}

PortalClient::~PortalClient() {
  if (cookie_.empty()) return;
  try {
    send("POST", "/api/logout", "");
  } catch (...) {
    // The session expires on its own (session-ttl).
  }
}

HttpClientResponse PortalClient::send(const std::string& method, const std::string& path,
                                      const std::string& body) {
  HttpUrl url = base_;
  url.target = base_.target + path;
  std::map<std::string, std::string> headers{{"Accept", "application/json"}};
  if (!cookie_.empty()) headers["Cookie"] = cookie_;
  if (method != "GET" && !csrf_token_.empty()) headers["X-CSRF-Token"] = csrf_token_;
  return httpRequest(method, url, body, "application/json", login_.timeout_ms, headers);
}

pt::ptree PortalClient::call(const std::string& method, const std::string& path,
                             const std::string& json_body) {
  auto response = send(method, path, json_body);
  if (path == "/api/login" && response.status == 200) {
    const std::string cookie = response.headers["set-cookie"];
    cookie_ = cookie.substr(0, cookie.find(';'));
  }
  pt::ptree json;
  try {
    json = parseJson(response.body);
  } catch (const JsonRejected& e) {
    throw PortalError(response.status, "bad_answer", "",
                      fmt::format("{} {} answered {} with a body that is refused ({}; is {} the "
                                  "metaserver's HTTP port?)",
                                  method, path, response.status, e.what(), login_.url));
  }
  if (response.status < 200 || response.status > 299) {
    const std::string field = json.get<std::string>("error.field", "");
    std::string message = json.get<std::string>(
        "error.message", fmt::format("{} {} failed with HTTP {}", method, path, response.status));
    if (!field.empty()) message = fmt::format("{}: {}", field, message);
    throw PortalError(response.status, json.get<std::string>("error.code", "error"), field,
                      message);
  }
  return json;
}

std::string PortalClient::segment(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string PortalClient::quote(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace mq::mqctl
