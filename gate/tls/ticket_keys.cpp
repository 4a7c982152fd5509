#include "gate/tls/ticket_keys.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>

#include "common/time/clock.h"

namespace httpgate::gate {
namespace {

// nginx's order of the 80 bytes.
constexpr size_t kNameSize = 16;
constexpr size_t kHmacKeyOffset = 16;
constexpr size_t kHmacKeySize = 32;
constexpr size_t kAesKeyOffset = 48;
constexpr size_t kIvSize = 16;  // AES-256-CBC's; OpenSSL's buffer is EVP_MAX_IV_LENGTH
static_assert(kAesKeyOffset + 32 == TicketKey::kSize);
static_assert(kIvSize <= EVP_MAX_IV_LENGTH);

// The ex_data slot of an SSL_CTX that holds a heap-allocated
// std::shared_ptr<TicketKeySource>: the context owns its reference, so the
// keys live as long as any connection of the context could need them.
void freeSource(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<std::shared_ptr<TicketKeySource>*>(ptr);
}

int sourceIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, freeSource);
  return index;
}

// HMAC-SHA256 with the key's 32-byte HMAC key.
bool initMac(EVP_MAC_CTX* mac, const TicketKey& key) {
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
                                        const_cast<uint8_t*>(key.bytes.data() + kHmacKeyOffset),
                                        kHmacKeySize),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
      OSSL_PARAM_construct_end()};
  return EVP_MAC_CTX_set_params(mac, params) == 1;
}

const unsigned char* aesKey(const TicketKey& key) {
  return key.bytes.data() + kAesKeyOffset;
}

// A new ticket: the first key's name, a random IV, its AES and HMAC keys.
// Returns 1, or 0 (no ticket; the handshake goes on) when that cannot be.
int encryptWith(const TicketKeyRing& ring, unsigned char* name, unsigned char* iv,
                EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac) {
  if (ring.keys.empty()) {
    return 0;
  }
  const TicketKey& key = ring.keys.front();
  if (RAND_bytes(iv, kIvSize) != 1 ||
      EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, aesKey(key), iv) != 1 ||
      !initMac(mac, key)) {
    ERR_clear_error();
    return 0;
  }
  std::memcpy(name, key.bytes.data(), kNameSize);
  return 1;
}

// A ticket the client offers: the key named in it, whichever place it has.
// Returns 1 when the current encryption key made it, 2 when an older key
// did (OpenSSL then issues a fresh ticket under the current key), and 0
// when no key has that name (a full handshake, never an error).
int decryptWith(const TicketKeyRing& ring, const unsigned char* name, const unsigned char* iv,
                EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac) {
  for (size_t i = 0; i < ring.keys.size(); ++i) {
    const TicketKey& key = ring.keys[i];
    if (std::memcmp(name, key.bytes.data(), kNameSize) != 0) {
      continue;
    }
    if (EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, aesKey(key), iv) != 1 ||
        !initMac(mac, key)) {
      ERR_clear_error();
      return 0;
    }
    return i == 0 ? 1 : 2;
  }
  return 0;  // no key of that name: a ticket of another gate, or of a retired key
}

// OpenSSL's ticket callback (SSL_CTX_set_tlsext_ticket_key_evp_cb), run by
// the worker thread in the handshake. `name` is 16 bytes, `iv`
// EVP_MAX_IV_LENGTH; on encrypt both are ours to fill, on decrypt they come
// from the ticket.
int onTicketKey(SSL* ssl, unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cipher,
                EVP_MAC_CTX* mac, int encrypt) {
  const auto* source = static_cast<const std::shared_ptr<TicketKeySource>*>(
      SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), sourceIndex()));
  if (source == nullptr) {
    return 0;
  }
  const std::shared_ptr<const TicketKeyRing> ring = (*source)->current();
  return encrypt == 1 ? encryptWith(*ring, name, iv, cipher, mac)
                      : decryptWith(*ring, name, iv, cipher, mac);
}

// A ring whose fresh random key encrypts from `now` on, with the key that
// encrypted in `previous` (if any) still decrypting, unless it stopped
// being current over a lifetime ago. Null when no random bytes could be had.
std::shared_ptr<const TicketKeyRing> nextRing(const TicketKeyRing* previous, int64_t now,
                                              int64_t lifetime) {
  TicketKey fresh;
  if (RAND_bytes(fresh.bytes.data(), static_cast<int>(fresh.bytes.size())) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  auto ring = std::make_shared<TicketKeyRing>();
  ring->madeAtMs = now;
  ring->keys.push_back(fresh);
  if (previous != nullptr && !previous->keys.empty() && now - previous->madeAtMs < 2 * lifetime) {
    ring->keys.push_back(previous->keys.front());
  }
  return ring;
}

}  // namespace

FixedTicketKeys::FixedTicketKeys(std::vector<TicketKey> keys) {
  auto ring = std::make_shared<TicketKeyRing>();
  ring->keys = std::move(keys);
  ring_ = std::move(ring);
}

RotatingTicketKeys::RotatingTicketKeys(Duration lifetime, Clock clock)
    : clock_(std::move(clock)), lifetimeMs_(lifetime.count()) {
  std::shared_ptr<const TicketKeyRing> first = nextRing(nullptr, clock_(), lifetime.count());
  // Without random bytes: no keys for now, tried again at every use.
  ring_.store(first ? first : std::make_shared<const TicketKeyRing>());
}

std::shared_ptr<const TicketKeyRing> RotatingTicketKeys::current() {
  std::shared_ptr<const TicketKeyRing> ring = ring_.load(std::memory_order_acquire);
  const int64_t now = clock_();
  if (now - ring->madeAtMs < lifetimeMs_.load(std::memory_order_relaxed) && !ring->keys.empty()) {
    return ring;
  }
  return rotate(now);
}

std::shared_ptr<const TicketKeyRing> RotatingTicketKeys::rotate(int64_t now) {
  std::lock_guard lock(rotating_);
  std::shared_ptr<const TicketKeyRing> ring = ring_.load(std::memory_order_acquire);
  const int64_t lifetime = lifetimeMs_.load(std::memory_order_relaxed);
  if (now - ring->madeAtMs < lifetime && !ring->keys.empty()) {
    return ring;  // another worker rotated meanwhile
  }
  std::shared_ptr<const TicketKeyRing> next = nextRing(ring.get(), now, lifetime);
  if (!next) {
    return ring;  // keep the keys in force; try again at the next use
  }
  ring_.store(next, std::memory_order_release);
  return next;
}

std::shared_ptr<TicketKeySource> ticketKeysFor(const TlsGlobalConfig& tls) {
  if (!tls.ticketKeys.empty()) {
    return std::make_shared<FixedTicketKeys>(tls.ticketKeys);
  }
  // One for the process: the contexts of every reload share it, so a
  // reload keeps the tickets already issued readable.
  static const auto own = std::make_shared<RotatingTicketKeys>(tls.ticketLifetime, clock::coarseMs);
  own->setLifetime(tls.ticketLifetime);
  return own;
}

bool useTicketKeys(SSL_CTX* ctx, std::shared_ptr<TicketKeySource> source) {
  const int index = sourceIndex();
  if (index < 0) {
    ERR_clear_error();
    return false;
  }
  auto* owned = new std::shared_ptr<TicketKeySource>(std::move(source));
  if (SSL_CTX_set_ex_data(ctx, index, owned) != 1) {
    delete owned;
    ERR_clear_error();
    return false;
  }
  if (SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, onTicketKey) != 1) {
    ERR_clear_error();
    return false;  // the slot's reference goes with the context
  }
  return true;
}

}  // namespace httpgate::gate
