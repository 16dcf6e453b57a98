// A client of the portal's JSON API for integration tests (docs/portal.md#api): plain HTTP/1.1
// over loopback with Boost.Beast, answers parsed with Boost.PropertyTree, and PortalClient, a
// browser stand-in that keeps the session cookie and sends the CSRF token on changes.
#pragma once

// property_tree (JSON parsing) includes boost/bind.hpp, which asks for this.
#ifndef BOOST_BIND_GLOBAL_PLACEHOLDERS
#define BOOST_BIND_GLOBAL_PLACEHOLDERS
#endif
#include <boost/property_tree/ptree.hpp>
#include <map>
#include <string>

namespace mq::test {

struct PortalResponse {
  int status = 0;
  std::string body;
  std::multimap<std::string, std::string> headers;  // lower-case names

  std::string header(const std::string& name) const;
  // The body as JSON. Throws boost::property_tree::json_parser_error when it is not.
  boost::property_tree::ptree json() const;
  std::string errorCode() const { return json().get<std::string>("error.code", ""); }
  std::string errorField() const { return json().get<std::string>("error.field", ""); }
};

// One request to 127.0.0.1:`port`; a body is sent as application/json unless `headers` say
// otherwise. Throws boost::system::system_error when the connection fails.
PortalResponse send(int port, const std::string& method, const std::string& target,
                    const std::string& body, const std::map<std::string, std::string>& headers);

class PortalClient {
 public:
  explicit PortalClient(int port) : port_(port) {}

  // Signs in; on success keeps the session cookie and the CSRF token.
  PortalResponse login(const std::string& user, const std::string& password);
  PortalResponse call(const std::string& method, const std::string& target,
                      const std::string& body = "",
                      std::map<std::string, std::string> headers = {});
  PortalResponse get(const std::string& target) { return call("GET", target); }
  PortalResponse post(const std::string& target, const std::string& body) {
    return call("POST", target, body);
  }

  void forgetCsrf() { csrf_.clear(); }
  void setCsrf(const std::string& csrf) { csrf_ = csrf; }
  const std::string& cookie() const { return cookie_; }

 private:
  int port_;
  std::string cookie_;
  std::string csrf_;
};

// The users of the portal tests: signs `admin` in as the first admin, creates the teams
// payments and search and the users alice (payments, password alice-password-1) and bob
// (search, bob-password-12), and signs `alice` and `bob` in. Returns "" or what failed.
std::string setUpTwoTeams(PortalClient& admin, const std::string& admin_password,
                          PortalClient& alice, PortalClient& bob);

}  // namespace mq::test
