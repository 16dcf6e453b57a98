// TLS on the Thrift ports (docs/security.md#tls): the one place that turns a TlsConfig
// (client/include/mq/tls_config.h) into Thrift's TSSLSocketFactory with OpenSSL. Every
// server (server/rpc_server.h through the connection gate) and every client (the client
// library's RpcChannel, so also mqctl, the outbox relay and the metaserver's own calls) gets
// its sockets from here.
//
// Checks: TLS 1.2 or later; a client always verifies the server's certificate chain
// against its CA and, unless told otherwise, that the certificate names the host it
// connects to (or TlsConfig::server_name); a server with require_client_cert refuses
// clients without a certificate its CA signed. Everything is loaded and checked when the
// factory is built, so a daemon with a missing file or a key that does not belong to its
// certificate stops at start-up with an error naming the setting, the file and the problem.
#pragma once

#include <thrift/TConfiguration.h>
#include <thrift/transport/TSSLSocket.h>

#include <memory>
#include <string>
#include <utility>

#include "client/include/mq/tls_config.h"

namespace mq {

enum class TlsSide { kServer, kClient };

// How settings are named in errors: the option names of the daemons, mqctl and the relay
// (`tls-cert`; with a prefix, such as mq-mirror's `source-`, `source-tls-cert`), or the client
// library's fields (`tls.cert_file`).
struct TlsNaming {
  enum Style { kOptions, kFields };
  TlsNaming(Style style = kOptions, std::string option_prefix = "")  // NOLINT: implicit
      : style(style), option_prefix(std::move(option_prefix)) {}
  Style style;
  std::string option_prefix;  // before every option name; kOptions only
};

// The name of a TlsConfig field (cert_file, key_file, ca_file, require_client_cert,
// server_name) as `naming` spells it.
std::string tlsSettingName(const std::string& field, const TlsNaming& naming);

// Checks what can be checked without reading files: a server needs a certificate and a
// key; require_client_cert is for servers and needs a CA; a certificate needs its key and
// the other way round; server_name is for clients. Nothing to check when disabled.
// Throws std::invalid_argument naming the setting.
void checkTlsConfig(const TlsConfig& config, TlsSide side,
                    const TlsNaming& naming = TlsNaming::kOptions);

// A client's TLS socket (TSSLSocket's constructors are for its factory and subclasses).
class TlsClientSocket : public apache::thrift::transport::TSSLSocket {
 public:
  TlsClientSocket(std::shared_ptr<apache::thrift::transport::SSLContext> context,
                  const std::string& host, int port,
                  std::shared_ptr<apache::thrift::TConfiguration> configuration);
  // Runs the handshake now (else it runs at the first read or write), within the receive
  // timeout. Throws TSSLException when it fails (untrusted or misnamed certificate, a server
  // that does not speak TLS); with TLS 1.3 a server's refusal of the client certificate
  // arrives only with the first reply.
  void handshake();
};

class TlsSocketFactory : public apache::thrift::transport::TSSLSocketFactory {
 public:
  // Checks `config` (checkTlsConfig) and loads its files. Throws std::invalid_argument
  // naming the setting, the file and the problem: cannot be read, holds no PEM
  // certificate, has expired, the key does not match the certificate, the CA file holds no
  // certificate.
  TlsSocketFactory(const TlsConfig& config, TlsSide side,
                   const TlsNaming& naming = TlsNaming::kOptions);

  // Client: an unconnected socket to host:port; its first read or write runs the
  // handshake, which fails (TSSLException) unless the server's certificate chains to the
  // CA and carries the expected name.
  std::shared_ptr<TlsClientSocket> clientSocket(
      const std::string& host, int port,
      std::shared_ptr<apache::thrift::TConfiguration> configuration) const;

  // The OpenSSL context, for server sockets made around accepted connections
  // (server/connection_gate.cc).
  std::shared_ptr<apache::thrift::transport::SSLContext> context() const { return ctx_; }
  const TlsConfig& config() const { return config_; }

 private:
  TlsConfig config_;
};

// The factory when config.enabled, else null. Throws as the constructor does.
std::shared_ptr<TlsSocketFactory> makeTlsFactory(const TlsConfig& config, TlsSide side,
                                                 const TlsNaming& naming = TlsNaming::kOptions);

}  // namespace mq
