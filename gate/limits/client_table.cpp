#include "gate/limits/client_table.h"

#include <cstring>
#include <random>

namespace httpgate::gate {

// One client. While it has no open connection it sits in its shard's idle
// list, oldest use first: the eviction order.
struct ClientTable::Entry {
  Entry(const ClientKey& k, int64_t nowMs) : key(k), bucket(nowMs) {}

  ClientKey key;
  uint32_t connections = 0;
  TokenBucket bucket;
  bool idle = false;
  Entry* idlePrev = nullptr;
  Entry* idleNext = nullptr;
};

// Its own cache lines: the workers lock different shards side by side.
struct alignas(64) ClientTable::Shard {
  // Appends `entry` to the idle list: the most recently used.
  void makeIdle(Entry& entry) {
    entry.idle = true;
    entry.idlePrev = idleNewest;
    entry.idleNext = nullptr;
    (idleNewest != nullptr ? idleNewest->idleNext : idleOldest) = &entry;
    idleNewest = &entry;
  }
  void makeBusy(Entry& entry) {
    (entry.idlePrev != nullptr ? entry.idlePrev->idleNext : idleOldest) = entry.idleNext;
    (entry.idleNext != nullptr ? entry.idleNext->idlePrev : idleNewest) = entry.idlePrev;
    entry.idle = false;
    entry.idlePrev = entry.idleNext = nullptr;
  }

  mutable std::mutex mutex;
  // Node-based: an Entry stays where it is while others come and go.
  std::unordered_map<ClientKey, Entry, KeyHash> entries;
  Entry* idleOldest = nullptr;
  Entry* idleNewest = nullptr;
};

ClientKey ClientKey::of(const sockaddr_storage& address) {
  ClientKey key;
  if (address.ss_family == AF_INET6) {
    std::memcpy(key.bytes.data(), &reinterpret_cast<const sockaddr_in6&>(address).sin6_addr, 16);
  } else if (address.ss_family == AF_INET) {
    key.bytes[10] = key.bytes[11] = 0xff;  // ::ffff:a.b.c.d
    std::memcpy(key.bytes.data() + 12, &reinterpret_cast<const sockaddr_in&>(address).sin_addr, 4);
  }
  return key;
}

// splitmix64's finalizer over the two halves, seeded per process: whoever
// picks the addresses cannot pick them to land in one shard or one bucket.
size_t ClientTable::KeyHash::operator()(const ClientKey& key) const {
  uint64_t halves[2];
  std::memcpy(halves, key.bytes.data(), 16);
  uint64_t x = seed;
  for (uint64_t half : halves) {
    x ^= half;
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    x ^= x >> 31;
  }
  return static_cast<size_t>(x);
}

ClientTable::ClientTable(size_t capacity, size_t shards)
    : hash_{std::random_device{}() | (uint64_t{std::random_device{}()} << 32)},
      perShard_((capacity + shards - 1) / shards),
      shardCount_(shards) {
  shards_ = std::make_unique<Shard[]>(shards);
  for (size_t i = 0; i < shards; ++i) {
    shards_[i].entries = std::unordered_map<ClientKey, Entry, KeyHash>(0, hash_);
  }
}

ClientTable::~ClientTable() = default;

ClientTable::Shard& ClientTable::shardOf(const ClientKey& key) const {
  // The high bits: the map's buckets use the low ones.
  return shards_[(hash_(key) >> 32) % shardCount_];
}

ClientTable::Entry* ClientTable::findOrInsert(Shard& shard, const ClientKey& key, int64_t nowMs) {
  auto found = shard.entries.find(key);
  if (found != shard.entries.end()) {
    return &found->second;
  }
  if (shard.entries.size() >= perShard_) {
    Entry* oldest = shard.idleOldest;
    if (oldest == nullptr) {
      return nullptr;  // every entry has open connections
    }
    shard.makeBusy(*oldest);
    const ClientKey evicted = oldest->key;  // not a reference into the node erased
    shard.entries.erase(evicted);
  }
  Entry& entry = shard.entries.try_emplace(key, key, nowMs).first->second;
  shard.makeIdle(entry);
  return &entry;
}

ClientTable::Admit ClientTable::openConnection(const ClientKey& client, uint32_t limit,
                                               int64_t nowMs) {
  Shard& shard = shardOf(client);
  std::lock_guard lock(shard.mutex);
  Entry* entry = findOrInsert(shard, client, nowMs);
  if (entry == nullptr) {
    return Admit::Untracked;
  }
  if (limit != 0 && entry->connections >= limit) {
    return Admit::Refused;
  }
  if (entry->idle) {
    shard.makeBusy(*entry);
  }
  ++entry->connections;
  return Admit::Admitted;
}

void ClientTable::closeConnection(const ClientKey& client) {
  Shard& shard = shardOf(client);
  std::lock_guard lock(shard.mutex);
  auto found = shard.entries.find(client);
  // Present: an entry with open connections is never evicted.
  if (found == shard.entries.end() || found->second.connections == 0) {
    return;
  }
  Entry& entry = found->second;
  if (--entry.connections == 0) {
    shard.makeIdle(entry);
  }
}

ClientTable::RequestVerdict ClientTable::takeRequest(const ClientKey& client, double rate,
                                                     uint32_t burst, int64_t nowMs) {
  Shard& shard = shardOf(client);
  std::lock_guard lock(shard.mutex);
  Entry* entry = findOrInsert(shard, client, nowMs);
  if (entry == nullptr) {
    return RequestVerdict{0, false};
  }
  if (entry->idle) {
    // Used just now: the last of the idle entries to go.
    shard.makeBusy(*entry);
    shard.makeIdle(*entry);
  }
  return RequestVerdict{entry->bucket.take(nowMs, rate, burst), true};
}

size_t ClientTable::size() const {
  size_t total = 0;
  for (size_t i = 0; i < shardCount_; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    total += shards_[i].entries.size();
  }
  return total;
}

bool ClientTable::contains(const ClientKey& client) const {
  Shard& shard = shardOf(client);
  std::lock_guard lock(shard.mutex);
  return shard.entries.count(client) != 0;
}

uint32_t ClientTable::connections(const ClientKey& client) const {
  Shard& shard = shardOf(client);
  std::lock_guard lock(shard.mutex);
  auto found = shard.entries.find(client);
  return found == shard.entries.end() ? 0 : found->second.connections;
}

}  // namespace httpgate::gate
