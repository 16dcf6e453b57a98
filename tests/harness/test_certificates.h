// Certificates for TLS tests, made at test time with the `openssl` command into a folder of
// the test's own: a CA, a server certificate it signs (for localhost and 127.0.0.1, usable
// as a client certificate too), a client certificate it signs, and a second, unrelated CA
// with its own client certificate (what a server or client must not trust).
#pragma once

#include <string>

#include "client/include/mq/tls_config.h"

namespace mq::test {

struct TestCertificates {
  std::string dir;
  std::string ca;  // the cluster's CA certificate
  std::string server_cert, server_key;
  std::string client_cert, client_key;
  std::string other_ca;  // a CA nobody here trusts, and a client certificate it signed
  std::string other_client_cert, other_client_key;

  // A server's settings: the server certificate, trusting `ca`.
  TlsConfig server(bool require_client_cert = false) const;
  // A client's settings: trusting `ca`, without a client certificate unless asked.
  TlsConfig client(bool with_certificate = false) const;
};

// Makes them under `dir` (created). Throws std::runtime_error with openssl's output when a
// step fails.
TestCertificates makeTestCertificates(const std::string& dir);

}  // namespace mq::test
