// The keys that encrypt and decrypt TLS session tickets (RFC 5077 tickets
// in TLS 1.2, stateless PSK tickets in TLS 1.3). The gate, not OpenSSL,
// holds them, so that a ticket outlives the TLS contexts a reload replaces
// and one gate can read another's:
//   - tls.ticket_keys: the keys of the file, the same on every gate that
//     reads it (a fixed set, replaced by a reload that reads the file again);
//   - no file: the gate's own keys, process-wide (all workers, all
//     listeners, every reload), a random key rotated every
//     tls.ticket_lifetime, the previous one still decrypting for as long.
// Either way the first key encrypts and every key decrypts. A key is 80
// bytes in nginx's order: name 16, HMAC-SHA256 key 32, AES-256-CBC key 32.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "gate/config/config.h"

namespace httpgate::gate {

// The keys in force at one moment, never changed once published: the first
// encrypts, all decrypt.
struct TicketKeyRing {
  std::vector<TicketKey> keys;
  int64_t madeAtMs = 0;  // on the source's clock (rotating keys only)
};

// Where a context's ticket callback takes its keys from. Called by the
// workers' threads during handshakes, so it must be thread-safe and cheap.
class TicketKeySource {
 public:
  virtual ~TicketKeySource() = default;
  // The ring to use now (never null; possibly without keys, when random
  // bytes could not be had: then no ticket is issued nor read).
  virtual std::shared_ptr<const TicketKeyRing> current() = 0;
};

// The keys of a tls.ticket_keys file, as they were at the load.
class FixedTicketKeys final : public TicketKeySource {
 public:
  explicit FixedTicketKeys(std::vector<TicketKey> keys);
  std::shared_ptr<const TicketKeyRing> current() override { return ring_; }

 private:
  std::shared_ptr<const TicketKeyRing> ring_;
};

// The gate's own keys: a random key that encrypts for `lifetime`, then
// decrypts for one more while its successor encrypts. Rotation happens
// lazily, when a handshake asks for the keys after the lifetime has passed;
// the handshake path only loads an atomic shared_ptr and reads the clock,
// the rare rotation takes a mutex.
class RotatingTicketKeys final : public TicketKeySource {
 public:
  // Milliseconds on a monotonic clock; injectable for tests.
  using Clock = std::function<int64_t()>;

  RotatingTicketKeys(Duration lifetime, Clock clock);
  std::shared_ptr<const TicketKeyRing> current() override;
  // tls.ticket_lifetime of a reloaded configuration; applies from the
  // next check on.
  void setLifetime(Duration lifetime) { lifetimeMs_.store(lifetime.count()); }

 private:
  std::shared_ptr<const TicketKeyRing> rotate(int64_t now);

  Clock clock_;
  std::atomic<int64_t> lifetimeMs_;
  std::atomic<std::shared_ptr<const TicketKeyRing>> ring_;
  std::mutex rotating_;  // one rotation at a time
};

// The source for a loaded configuration: the file's keys when it names a
// file, else the process-wide own keys (made at the first call, with
// tls.ticket_lifetime updated at every call).
std::shared_ptr<TicketKeySource> ticketKeysFor(const TlsGlobalConfig& tls);

// Makes `ctx` encrypt and decrypt its session tickets with the keys of
// `source`; the context keeps a reference to it until it is freed. Returns
// false when OpenSSL refuses the callback or the reference.
bool useTicketKeys(SSL_CTX* ctx, std::shared_ptr<TicketKeySource> source);

}  // namespace httpgate::gate
