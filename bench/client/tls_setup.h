// The client's TLS context: TLS 1.3 only, full handshakes only.
#pragma once

#include <openssl/ssl.h>

#include <cstdint>
#include <string>

namespace httpgate::bench {

// Makes a client SSL_CTX with TLS 1.3 as the only version, `groups` (the
// first gets the key share), no certificate verification (the bench's
// certificates are self-signed) and no session reuse: no session is ever
// set on a connection and no ticket is asked for. Tickets a TLS 1.3 server
// sends anyway are counted (ticketsReceived) and dropped. Returns nullptr
// and sets `error` on failure; the caller owns the context.
SSL_CTX* makeClientContext(const std::string& groups, std::string& error);

// Session tickets received so far, all connections and threads together.
uint64_t ticketsReceived();

// OpenSSL's error queue as one line, emptied.
std::string takeOpenSslErrors();

}  // namespace httpgate::bench
