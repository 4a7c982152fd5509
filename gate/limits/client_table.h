// The clients of the gate by address, shared by all its workers: per client
// the connections it has open and its request token bucket
// (limits.per_client). Bounded: at most `capacity` entries (65536 by
// default, about 100 bytes each, so a few MiB whatever the number of
// addresses). A new address that finds its shard full takes the place of
// the shard's least recently used idle entry (one with no open
// connection); an entry with open connections is never evicted, since its
// count is what refuses that client's next connection. When every entry of
// the shard has open connections, the new address is not tracked: its
// connection or request is admitted without per-client limits, and the
// caller counts that (httpgate_client_table_full_total). Refusing it
// instead would let whoever holds enough addresses lock every new client
// out.
//
// Sharded by a seeded hash of the address, one mutex per shard, held for a
// lookup and a few arithmetic steps: the workers rarely meet on a shard.
// Thread-safe.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "gate/limits/token_bucket.h"

namespace httpgate::gate {

// A client's address as the table keys it: 16 bytes, an IPv4 address as
// its IPv4-mapped IPv6 form, so that a dual-stack listener's view of an
// IPv4 client and a plain IPv4 listener's are the same client. An IPv6
// client is keyed by its full address. The port is not part of it.
struct ClientKey {
  std::array<uint8_t, 16> bytes{};

  static ClientKey of(const sockaddr_storage& address);
  bool operator==(const ClientKey&) const = default;
};

class ClientTable {
 public:
  static constexpr size_t kCapacity = 65536;
  static constexpr size_t kShards = 64;

  // `capacity` entries at most, over `shards` shards (each holds
  // capacity / shards, rounded up); small values are for tests.
  explicit ClientTable(size_t capacity = kCapacity, size_t shards = kShards);
  ~ClientTable();
  ClientTable(const ClientTable&) = delete;
  ClientTable& operator=(const ClientTable&) = delete;

  enum class Admit {
    Admitted,   // counted: closeConnection() must follow, once
    Refused,    // the client has `limit` connections open already
    Untracked,  // the table is full of busy clients: admitted, not counted
  };
  // A connection from `client` opens, unless it already has `limit` open
  // (0: no limit, only counted). `nowMs`: monotonic milliseconds.
  Admit openConnection(const ClientKey& client, uint32_t limit, int64_t nowMs);
  // A connection counted by openConnection() ended.
  void closeConnection(const ClientKey& client);

  // What a request may do: go on (retryAfter 0), or be answered 429 with
  // `retryAfter` seconds; `tracked` false when the table had no room.
  struct RequestVerdict {
    uint32_t retryAfter = 0;
    bool tracked = true;
  };
  // Takes a token from `client`'s bucket (`rate` > 0 per second, `burst`
  // at most) at `nowMs`.
  RequestVerdict takeRequest(const ClientKey& client, double rate, uint32_t burst, int64_t nowMs);

  // For tests: the entries held, whether `client` has one, its count.
  size_t size() const;
  bool contains(const ClientKey& client) const;
  uint32_t connections(const ClientKey& client) const;

 private:
  struct Entry;
  struct Shard;
  struct KeyHash {
    uint64_t seed = 0;
    size_t operator()(const ClientKey& key) const;
  };

  Shard& shardOf(const ClientKey& key) const;
  // The entry of `key`, made (evicting if need be) when absent; null when
  // the shard is full of entries with open connections.
  Entry* findOrInsert(Shard& shard, const ClientKey& key, int64_t nowMs);

  KeyHash hash_;
  size_t perShard_;
  size_t shardCount_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace httpgate::gate
