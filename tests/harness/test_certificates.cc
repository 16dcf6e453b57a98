#include "tests/harness/test_certificates.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "tests/harness/child_process.h"

namespace mq::test {
namespace {

void openssl(const std::vector<std::string>& args) {
  // runCommand takes a path; env finds openssl on the PATH.
  std::vector<std::string> argv = {"/usr/bin/env", "openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string output, error;
  if (runCommand(argv, "", &output, &error) != 0) {
    std::string line;
    for (const auto& arg : argv) line += arg + " ";
    throw std::runtime_error(fmt::format("{}failed: {}{}", line, output, error));
  }
}

// A P-256 key and a certificate for `subject` signed by ca/ca_key (self-signed CA when
// ca is empty), valid for two days.
void issue(const std::string& dir, const std::string& name, const std::string& subject,
           const std::string& ca, const std::string& ca_key, const std::string& extensions) {
  const std::string key = fmt::format("{}/{}.key", dir, name);
  const std::string cert = fmt::format("{}/{}.pem", dir, name);
  const std::string ext_file = fmt::format("{}/{}.ext", dir, name);
  std::ofstream(ext_file) << extensions << "\n";
  if (ca.empty()) {
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", key, "-out", cert, "-days", "2", "-subj", subject, "-addext",
             "basicConstraints=critical,CA:TRUE", "-addext",
             "keyUsage=critical,keyCertSign,cRLSign"});
    return;
  }
  const std::string csr = fmt::format("{}/{}.csr", dir, name);
  openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
           key, "-out", csr, "-subj", subject});
  openssl({"x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert,
           "-days", "2", "-extfile", ext_file});
}

}  // namespace

TlsConfig TestCertificates::server(bool require_client_cert) const {
  TlsConfig tls;
  tls.enabled = true;
  tls.cert_file = server_cert;
  tls.key_file = server_key;
  tls.ca_file = ca;
  tls.require_client_cert = require_client_cert;
  return tls;
}

TlsConfig TestCertificates::client(bool with_certificate) const {
  TlsConfig tls;
  tls.enabled = true;
  tls.ca_file = ca;
  if (with_certificate) {
    tls.cert_file = client_cert;
    tls.key_file = client_key;
  }
  return tls;
}

TestCertificates makeTestCertificates(const std::string& dir) {
  std::filesystem::create_directories(dir);
  TestCertificates c;
  c.dir = dir;
  issue(dir, "ca", "/CN=mq test CA", "", "", "");
  c.ca = dir + "/ca.pem";
  issue(dir, "server", "/CN=localhost", c.ca, dir + "/ca.key",
        "basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n"
        "extendedKeyUsage=serverAuth,clientAuth");
  c.server_cert = dir + "/server.pem";
  c.server_key = dir + "/server.key";
  issue(dir, "client", "/CN=test-client", c.ca, dir + "/ca.key",
        "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth");
  c.client_cert = dir + "/client.pem";
  c.client_key = dir + "/client.key";
  issue(dir, "other-ca", "/CN=some other CA", "", "", "");
  c.other_ca = dir + "/other-ca.pem";
  issue(dir, "other-client", "/CN=stranger", c.other_ca, dir + "/other-ca.key",
        "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth");
  c.other_client_cert = dir + "/other-client.pem";
  c.other_client_key = dir + "/other-client.key";
  return c;
}

}  // namespace mq::test
