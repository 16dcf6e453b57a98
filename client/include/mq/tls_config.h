// TLS settings of one side of a Thrift connection (docs/security.md#tls): what the broker
// and metaserver ports use (`tls`, `tls-cert`, `tls-key`, `tls-ca`,
// `tls-require-client-cert`) and what a client uses to reach them (ClientConfig::tls,
// mqctl --tls*, the outbox relay's tls* keys). Plain data, no dependencies; common/tls.h
// checks it and builds the OpenSSL context from it.
#pragma once

#include <string>

namespace mq {

struct TlsConfig {
  // Off by default: plaintext Thrift, as before. Every broker and metaserver of a cluster
  // and every client use the same setting.
  bool enabled = false;
  // PEM certificate (with its chain) this side presents. Required by a server; a client
  // sets it only for servers that require client certificates (mTLS).
  std::string cert_file;
  // PEM private key of cert_file (unencrypted; keep it mode 0600).
  std::string key_file;
  // PEM file of the CA certificates this side trusts. A client verifies the server's
  // certificate against it ("" = the system's trust store); a server verifies client
  // certificates against it (required with require_client_cert).
  std::string ca_file;
  // Server: refuse clients that present no certificate signed by ca_file (mutual TLS).
  bool require_client_cert = false;
  // Client: the name the server's certificate must carry (DNS or IP subjectAltName, else
  // its common name). "" = the host the client connects to.
  std::string server_name;
  // Client: false accepts any certificate the CA signed, whatever name it carries.
  bool verify_server_name = true;
};

}  // namespace mq
