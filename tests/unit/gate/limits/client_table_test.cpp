// The client table of limits.per_client (gate/limits/client_table.h):
// keys, connection counts and their limit, eviction of the least recently
// used idle entry and never of one with open connections, the bound, the
// request buckets with a clock the test sets, and two threads at once.
#include "gate/limits/client_table.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/net/address.h"

namespace httpgate::gate {
namespace {

ClientKey key(const char* text) {
  std::optional<sockaddr_storage> parsed = net::parseIpAddress(text, 443);
  EXPECT_TRUE(parsed.has_value()) << text;
  return ClientKey::of(parsed.value_or(sockaddr_storage{}));
}

// An IPv4 address for client number `n`.
ClientKey client(int n) {
  const std::string text = "10.0." + std::to_string(n / 256) + "." + std::to_string(n % 256);
  return key(text.c_str());
}

using Admit = ClientTable::Admit;

TEST(ClientKeyTest, AMappedIpv4AddressIsTheIpv4Address) {
  EXPECT_EQ(key("192.0.2.7"), key("::ffff:192.0.2.7"));
  EXPECT_FALSE(key("192.0.2.7") == key("192.0.2.8"));
  EXPECT_FALSE(key("2001:db8::1") == key("2001:db8::2"));
  // The port is not part of the client.
  EXPECT_EQ(ClientKey::of(*net::parseIpAddress("2001:db8::1", 1)),
            ClientKey::of(*net::parseIpAddress("2001:db8::1", 2)));
}

TEST(ClientTableTest, CountsConnectionsUpToTheLimit) {
  ClientTable table(16, 1);
  EXPECT_EQ(table.openConnection(client(1), 2, 0), Admit::Admitted);
  EXPECT_EQ(table.openConnection(client(1), 2, 0), Admit::Admitted);
  EXPECT_EQ(table.openConnection(client(1), 2, 0), Admit::Refused);
  EXPECT_EQ(table.connections(client(1)), 2u);
  // Another client is not affected.
  EXPECT_EQ(table.openConnection(client(2), 2, 0), Admit::Admitted);
  table.closeConnection(client(1));
  EXPECT_EQ(table.connections(client(1)), 1u);
  EXPECT_EQ(table.openConnection(client(1), 2, 0), Admit::Admitted);
  // Limit 0 only counts.
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(table.openConnection(client(3), 0, 0), Admit::Admitted);
  }
  EXPECT_EQ(table.connections(client(3)), 10u);
}

TEST(ClientTableTest, AClosedConnectionIsGivenBackOnce) {
  ClientTable table(16, 1);
  ASSERT_EQ(table.openConnection(client(1), 1, 0), Admit::Admitted);
  table.closeConnection(client(1));
  table.closeConnection(client(1));  // too many: no count goes below zero
  EXPECT_EQ(table.connections(client(1)), 0u);
  EXPECT_EQ(table.openConnection(client(1), 1, 0), Admit::Admitted);
  EXPECT_EQ(table.openConnection(client(1), 1, 0), Admit::Refused);
}

TEST(ClientTableTest, EvictsTheLeastRecentlyUsedIdleEntry) {
  ClientTable table(3, 1);
  // 1 and 2 idle (1 used first), 3 with an open connection.
  ASSERT_EQ(table.takeRequest(client(1), 1.0, 5, 0).retryAfter, 0u);
  ASSERT_EQ(table.takeRequest(client(2), 1.0, 5, 0).retryAfter, 0u);
  ASSERT_EQ(table.openConnection(client(3), 0, 0), Admit::Admitted);
  // 1 is used again: 2 is now the oldest idle entry.
  ASSERT_EQ(table.takeRequest(client(1), 1.0, 5, 0).retryAfter, 0u);
  ASSERT_EQ(table.takeRequest(client(4), 1.0, 5, 0).retryAfter, 0u);
  EXPECT_EQ(table.size(), 3u);
  EXPECT_TRUE(table.contains(client(1)));
  EXPECT_FALSE(table.contains(client(2)));
  EXPECT_TRUE(table.contains(client(3)));
  EXPECT_TRUE(table.contains(client(4)));
  // A client whose last connection closed is idle from then on, the newest.
  table.closeConnection(client(3));
  ASSERT_EQ(table.openConnection(client(5), 0, 0), Admit::Admitted);
  EXPECT_FALSE(table.contains(client(1)));
  EXPECT_TRUE(table.contains(client(3)));
}

TEST(ClientTableTest, NeverEvictsAnEntryWithOpenConnections) {
  ClientTable table(2, 1);
  ASSERT_EQ(table.openConnection(client(1), 1, 0), Admit::Admitted);
  ASSERT_EQ(table.openConnection(client(2), 1, 0), Admit::Admitted);
  // Full of busy clients: a new one is admitted but not tracked.
  EXPECT_EQ(table.openConnection(client(3), 1, 0), Admit::Untracked);
  EXPECT_FALSE(table.takeRequest(client(3), 1.0, 1, 0).tracked);
  EXPECT_EQ(table.size(), 2u);
  // The busy clients keep their counts, and so their limit.
  EXPECT_EQ(table.openConnection(client(1), 1, 0), Admit::Refused);
  EXPECT_EQ(table.openConnection(client(2), 1, 0), Admit::Refused);
  // Once one is idle, it makes room.
  table.closeConnection(client(2));
  EXPECT_EQ(table.openConnection(client(3), 1, 0), Admit::Admitted);
  EXPECT_FALSE(table.contains(client(2)));
}

TEST(ClientTableTest, StaysWithinItsBoundWhateverTheNumberOfAddresses) {
  ClientTable table(256, 8);
  for (int i = 0; i < 5000; ++i) {
    table.takeRequest(client(i), 1.0, 1, i);
    ASSERT_LE(table.size(), 256u) << i;
  }
  EXPECT_GE(table.size(), 200u);  // the shards fill up (32 each)
  // The newest client is there; the first ones are long gone.
  EXPECT_TRUE(table.contains(client(4999)));
  EXPECT_FALSE(table.contains(client(0)));
}

TEST(ClientTableTest, RequestBucketsPerClientWithTheirRefill) {
  ClientTable table(16, 2);
  // burst 3, 1 per second.
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(table.takeRequest(client(1), 1.0, 3, 0).retryAfter, 0u) << i;
  }
  EXPECT_EQ(table.takeRequest(client(1), 1.0, 3, 0).retryAfter, 1u);
  EXPECT_EQ(table.takeRequest(client(2), 1.0, 3, 0).retryAfter, 0u);
  EXPECT_EQ(table.takeRequest(client(1), 1.0, 3, 999).retryAfter, 1u);
  EXPECT_EQ(table.takeRequest(client(1), 1.0, 3, 1000).retryAfter, 0u);
  // A client's bucket is the same with or without open connections.
  ASSERT_EQ(table.openConnection(client(1), 0, 1000), Admit::Admitted);
  EXPECT_EQ(table.takeRequest(client(1), 1.0, 3, 1000).retryAfter, 1u);
}

TEST(ClientTableTest, TwoThreadsKeepTheCountsExact) {
  ClientTable table(64, 4);
  constexpr int kRounds = 20000;
  auto run = [&table](int offset) {
    for (int i = 0; i < kRounds; ++i) {
      const ClientKey who = client((i + offset) % 8);
      if (table.openConnection(who, 0, i) == Admit::Admitted) {
        table.takeRequest(who, 1000.0, 10, i);
        table.closeConnection(who);
      }
    }
    for (int i = 0; i < 4; ++i) {
      ASSERT_EQ(table.openConnection(client(100), 0, 0), Admit::Admitted);
    }
  };
  std::thread a(run, 0);
  std::thread b(run, 3);
  a.join();
  b.join();
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(table.connections(client(i)), 0u) << i;
  }
  EXPECT_EQ(table.connections(client(100)), 8u);
}

}  // namespace
}  // namespace httpgate::gate
