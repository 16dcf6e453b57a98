// mqctl's way into the portal's JSON API (docs/portal.md) for what only the API offers:
// users and teams. Signs in (POST /api/login) with a user name and password, keeps the
// session cookie and CSRF token for the calls, and signs out when destroyed, so every mqctl
// run is one short session with the same rules, refusals and audit trail as the portal.
// Plain http:// only (the metaserver serves HTTP; a TLS proxy in front is not supported).
#pragma once

#define BOOST_BIND_GLOBAL_PLACEHOLDERS  // property_tree includes boost/bind.hpp
#include <boost/property_tree/ptree.hpp>
#include <stdexcept>
#include <string>

#include "server/http_client.h"

namespace mq::mqctl {

// A refusal or failure answered by the API: its status, code, field and message.
class PortalError : public std::runtime_error {
 public:
  PortalError(int status, std::string code, std::string field, const std::string& message);
  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const std::string& field() const { return field_; }

 private:
  int status_;
  std::string code_;
  std::string field_;
};

struct PortalLogin {
  std::string url = "http://127.0.0.1:9180";  // the metaserver's HTTP port
  std::string user = "admin";
  std::string password;
  int timeout_ms = 30000;
};

class PortalClient {
 public:
  // Signs in. Throws PortalError (wrong password: 401 invalid_credentials, locked out: 429),
  // std::runtime_error when the metaserver cannot be reached, std::invalid_argument for a
  // bad URL.
  explicit PortalClient(PortalLogin login);
  ~PortalClient();  // signs out (best effort)
  PortalClient(const PortalClient&) = delete;
  PortalClient& operator=(const PortalClient&) = delete;

  // Calls the API; `path` starts with /api/ and has its segments encoded (segment()).
  // Returns the answer's JSON. Throws PortalError for a non-2xx status.
  boost::property_tree::ptree call(const std::string& method, const std::string& path,
                                   const std::string& json_body = "");

  // Percent-encodes one path segment.
  static std::string segment(const std::string& text);
  // A JSON string literal of `text` (quotes included).
  static std::string quote(const std::string& text);

 private:
  HttpClientResponse send(const std::string& method, const std::string& path,
                          const std::string& body);

  PortalLogin login_;
  HttpUrl base_;
  std::string cookie_;  // "mq_session=..."
  std::string csrf_token_;
};

}  // namespace mq::mqctl
