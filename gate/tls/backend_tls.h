// The client side of TLS from the gate to a session host (routes.hosts[].tls):
// one SSL_CTX per host and TLS settings, built with the configuration
// snapshot (start-up and every reload). It verifies the host's certificate
// against the configured CA and server name, offers a client certificate
// for mutual TLS when one is configured, and keeps the host's newest TLS
// session so that a new connection resumes it instead of paying a full
// handshake.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "gate/config/config.h"
#include "gate/tls/certificate_info.h"

namespace httpgate::gate {

class BackendTlsContext {
 public:
  ~BackendTlsContext();
  BackendTlsContext(const BackendTlsContext&) = delete;
  BackendTlsContext& operator=(const BackendTlsContext&) = delete;

  // Loads the CA file and the optional client certificate and key of `tls`
  // into a new client context (TLS 1.2 and 1.3). Returns it, or the error
  // "file:line:col: `key`: message" naming the file that failed.
  static Result<std::shared_ptr<BackendTlsContext>> create(const HostTlsConfig& tls,
                                                           const std::string& hostName,
                                                           const std::string& configFile,
                                                           const std::string& key);

  // A new client SSL on socket `fd`, in connect state, with SNI and the
  // name check set to server_name and the host's last session offered; or
  // nullptr (the OpenSSL queue says why). The SSL holds a reference to the
  // context (and with it the session store), so it may outlive `this`.
  SSL* newConnection(int fd) const;

  // Identifies the host and TLS settings (never 0): part of the pool key,
  // so that a plain connection and a TLS one to the same address, or TLS
  // connections made with other settings, never stand in for each other.
  // The same settings give the same id after a reload.
  uint32_t id() const { return id_; }

  // The client certificate offered for mutual TLS, if one is configured.
  const std::optional<CertificateInfo>& clientCertificate() const { return clientCertificate_; }

  // The id `tls` and `hostName` would get.
  static uint32_t idOf(const HostTlsConfig& tls, const std::string& hostName);

 private:
  BackendTlsContext() = default;

  SSL_CTX* ctx_ = nullptr;
  std::string serverName_;
  uint32_t id_ = 0;
  std::optional<CertificateInfo> clientCertificate_;
};

// Why the TLS handshake on `ssl` failed, for the log: the certificate
// verification error ("certificate has expired", "hostname mismatch"),
// else OpenSSL's first queued error, else "connection closed" (`eof`) or
// the socket error `savedErrno`. Clears the OpenSSL error queue.
std::string backendTlsFailure(SSL* ssl, bool eof, int savedErrno);

}  // namespace httpgate::gate
