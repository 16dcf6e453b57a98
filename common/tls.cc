#include "common/tls.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>

namespace mq {

using apache::thrift::TConfiguration;
using apache::thrift::transport::AccessManager;
using apache::thrift::transport::DefaultClientAccessManager;
using apache::thrift::transport::SSLContext;
using apache::thrift::transport::TSSLException;
using apache::thrift::transport::TSSLSocket;

namespace {

// The name check of the server's certificate, run after OpenSSL verified its chain:
// Thrift's default DNS matching (a DNS subjectAltName, else the common name; wildcards) and
// an IP subjectAltName, both against `name` (the host connected to, or the configured
// server name). An IP is compared with `name` rather than the socket's peer address, which
// is gone when the server has closed the connection already.
class ServerNameCheck : public DefaultClientAccessManager {
 public:
  ServerNameCheck(std::string name, bool verify) : name_(std::move(name)), verify_(verify) {}

  Decision verify(const sockaddr_storage& address) noexcept override {
    // ALLOW here skips the name checks; the chain was verified by OpenSSL already.
    return verify_ ? DefaultClientAccessManager::verify(address) : ALLOW;
  }
  Decision verify(const std::string&, const char* name, int size) noexcept override {
    return DefaultClientAccessManager::verify(name_, name, size);
  }
  Decision verify(const sockaddr_storage&, const char* data, int size) noexcept override {
    unsigned char ip[16];
    if (size == 4 && inet_pton(AF_INET, name_.c_str(), ip) == 1) {
      return std::memcmp(ip, data, 4) == 0 ? ALLOW : SKIP;
    }
    if (size == 16 && inet_pton(AF_INET6, name_.c_str(), ip) == 1) {
      return std::memcmp(ip, data, 16) == 0 ? ALLOW : SKIP;
    }
    return SKIP;
  }

 private:
  const std::string name_;
  const bool verify_;
};

// Where a client notes that the server asked for a certificate it does not have (OpenSSL
// calls the callback only then), so that the handshake can say so: with TLS 1.3 the
// server's refusal would otherwise arrive only with the first reply, or as a broken pipe.
int certificateRequestedIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int noteCertificateRequest(SSL* ssl, X509**, EVP_PKEY**) {
  SSL_set_ex_data(ssl, certificateRequestedIndex(), reinterpret_cast<void*>(1));
  return 0;  // no certificate: the handshake goes on, the server decides
}

std::string openSslErrors() {
  std::string errors;
  while (const unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    if (!errors.empty()) errors += "; ";
    errors += text;
  }
  return errors.empty() ? "unknown OpenSSL error" : errors;
}

[[noreturn]] void fail(const std::string& setting, const std::string& path,
                       const std::string& problem) {
  throw std::invalid_argument(fmt::format("{} `{}`: {}", setting, path, problem));
}

// The first certificate in a PEM file; fails naming the file when there is none.
std::unique_ptr<X509, decltype(&X509_free)> firstCertificate(const std::string& setting,
                                                             const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) fail(setting, path, fmt::format("cannot read it: {}", std::strerror(errno)));
  X509* certificate = PEM_read_X509(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  if (certificate == nullptr) {
    ERR_clear_error();
    fail(setting, path, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  }
  return {certificate, X509_free};
}

void checkValidity(const std::string& setting, const std::string& path, X509* certificate) {
  if (X509_cmp_current_time(X509_get0_notAfter(certificate)) < 0) {
    fail(setting, path, "the certificate has expired");
  }
  if (X509_cmp_current_time(X509_get0_notBefore(certificate)) > 0) {
    fail(setting, path, "the certificate is not valid yet");
  }
}

// OpenSSL is initialised once for the process and never cleaned up: Thrift's factories
// otherwise clean it up whenever the last factory goes (a client library user that closes its
// only Producer) while other code (SHA-256 of tokens, the next client) may still use it.
apache::thrift::transport::SSLProtocol initializeOpenSslOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    apache::thrift::transport::TSSLSocketFactory::setManualOpenSSLInitialization(true);
    apache::thrift::transport::initializeOpenSSL();
  });
  return apache::thrift::transport::SSLTLS;
}

}  // namespace

std::string tlsSettingName(const std::string& field, const TlsNaming& naming) {
  static const std::map<std::string, std::string> options = {
      {"enabled", "tls"},
      {"cert_file", "tls-cert"},
      {"key_file", "tls-key"},
      {"ca_file", "tls-ca"},
      {"require_client_cert", "tls-require-client-cert"},
      {"server_name", "tls-server-name"},
      {"verify_server_name", "tls-verify-server-name"}};
  if (naming.style == TlsNaming::kFields) return "tls." + field;
  auto it = options.find(field);
  return naming.option_prefix + (it == options.end() ? field : it->second);
}

void checkTlsConfig(const TlsConfig& config, TlsSide side, const TlsNaming& naming) {
  if (!config.enabled) return;
  auto name = [&naming](const char* field) { return tlsSettingName(field, naming); };
  const bool server = side == TlsSide::kServer;
  if (server && config.cert_file.empty()) {
    throw std::invalid_argument(
        fmt::format("{} is required when {} is on: the certificate this "
                    "server presents (PEM)",
                    name("cert_file"), name("enabled")));
  }
  if (!config.cert_file.empty() && config.key_file.empty()) {
    throw std::invalid_argument(fmt::format("{} is required with {}: the private key of `{}`",
                                            name("key_file"), name("cert_file"), config.cert_file));
  }
  if (config.cert_file.empty() && !config.key_file.empty()) {
    throw std::invalid_argument(fmt::format("{} is set but {} is not: a key needs its certificate",
                                            name("key_file"), name("cert_file")));
  }
  if (config.require_client_cert && !server) {
    throw std::invalid_argument(fmt::format("{} is a server setting", name("require_client_cert")));
  }
  if (config.require_client_cert && config.ca_file.empty()) {
    throw std::invalid_argument(fmt::format("{} needs {}: the CA that signs client certificates",
                                            name("require_client_cert"), name("ca_file")));
  }
  if (server && !config.server_name.empty()) {
    throw std::invalid_argument(fmt::format("{} is a client setting", name("server_name")));
  }
}

TlsSocketFactory::TlsSocketFactory(const TlsConfig& config, TlsSide side, const TlsNaming& naming)
    : TSSLSocketFactory(initializeOpenSslOnce()), config_(config) {
  checkTlsConfig(config, side, naming);
  auto name = [&naming](const char* field) { return tlsSettingName(field, naming); };
  SSL_CTX* context = ctx_->get();
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  server(side == TlsSide::kServer);

  if (!config.cert_file.empty()) {
    auto certificate = firstCertificate(name("cert_file"), config.cert_file);
    checkValidity(name("cert_file"), config.cert_file, certificate.get());
    try {
      loadCertificate(config.cert_file.c_str());
    } catch (const TSSLException& e) {
      fail(name("cert_file"), config.cert_file, e.what());
    }
    FILE* key = std::fopen(config.key_file.c_str(), "r");
    if (key == nullptr) {
      fail(name("key_file"), config.key_file,
           fmt::format("cannot read it: {}", std::strerror(errno)));
    }
    std::fclose(key);
    if (SSL_CTX_use_PrivateKey_file(context, config.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      const std::string errors = openSslErrors();
      if (errors.find("values mismatch") != std::string::npos) {
        fail(name("key_file"), config.key_file,
             fmt::format("does not match the certificate in {} `{}`", name("cert_file"),
                         config.cert_file));
      }
      fail(name("key_file"), config.key_file, "holds no usable PEM private key: " + errors);
    }
    if (SSL_CTX_check_private_key(context) != 1) {
      ERR_clear_error();
      fail(name("key_file"), config.key_file,
           fmt::format("does not match the certificate in {} `{}`", name("cert_file"),
                       config.cert_file));
    }
  }

  if (!config.ca_file.empty()) {
    firstCertificate(name("ca_file"), config.ca_file);
    try {
      loadTrustedCertificates(config.ca_file.c_str());
    } catch (const TSSLException& e) {
      fail(name("ca_file"), config.ca_file, e.what());
    }
    if (side == TlsSide::kServer) {
      // Tells clients which CA's certificate to present.
      if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.ca_file.c_str())) {
        SSL_CTX_set_client_CA_list(context, names);
      }
      ERR_clear_error();
    }
  } else if (side == TlsSide::kClient && SSL_CTX_set_default_verify_paths(context) != 1) {
    throw std::invalid_argument("cannot load the system's trusted CAs (set " + name("ca_file") +
                                "): " + openSslErrors());
  }

  if (side == TlsSide::kClient) {
    authenticate(true);  // always verify the server (clientSocket adds the name check)
    if (config.cert_file.empty()) SSL_CTX_set_client_cert_cb(context, noteCertificateRequest);
  } else {
    authenticate(config.require_client_cert);
  }
}

TlsClientSocket::TlsClientSocket(std::shared_ptr<SSLContext> context, const std::string& host,
                                 int port, std::shared_ptr<TConfiguration> configuration)
    : TSSLSocket(std::move(context), host, port, std::move(configuration)) {}

void TlsClientSocket::handshake() {
  initializeHandshake();
  if (!checkHandshake()) throw TSSLException("the TLS handshake did not complete");
  if (SSL_get_ex_data(ssl_, certificateRequestedIndex()) != nullptr) {
    throw TSSLException(
        "the server requires a client certificate and this client has none (set its TLS "
        "certificate and key)");
  }
}

std::shared_ptr<TlsClientSocket> TlsSocketFactory::clientSocket(
    const std::string& host, int port, std::shared_ptr<TConfiguration> configuration) const {
  auto socket = std::make_shared<TlsClientSocket>(ctx_, host, port, std::move(configuration));
  socket->server(false);
  socket->access(std::make_shared<ServerNameCheck>(
      config_.server_name.empty() ? host : config_.server_name, config_.verify_server_name));
  return socket;
}

std::shared_ptr<TlsSocketFactory> makeTlsFactory(const TlsConfig& config, TlsSide side,
                                                 const TlsNaming& naming) {
  if (!config.enabled) return nullptr;
  return std::make_shared<TlsSocketFactory>(config, side, naming);
}

}  // namespace mq
