// limits.per_client applied to connections and requests, and the slot a
// connection holds (gate/limits/client_limits.h, connection_slot.h): exempt
// clients never enter the table, limits that are off look nothing up, the
// slot gives its counts back exactly once wherever it moved, and a
// listener's count refuses past listen[].max_connections.
#include "gate/limits/client_limits.h"

#include <gtest/gtest.h>

#include <utility>

#include "common/net/address.h"
#include "gate/limits/connection_slot.h"

namespace httpgate::gate {
namespace {

sockaddr_storage ip(const char* text) {
  std::optional<sockaddr_storage> parsed = net::parseIpAddress(text, 40000);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(sockaddr_storage{});
}

PerClientLimits limits(uint32_t connections, double rate, uint32_t burst,
                       const char* exempt = nullptr) {
  PerClientLimits out;
  out.connections = connections;
  out.requestRate = rate;
  out.requestBurst = burst;
  if (exempt != nullptr) {
    std::string why;
    out.exempt.add(*net::Cidr::parse(exempt, why));
  }
  return out;
}

using Admit = ClientTable::Admit;

// Room for 64 clients in every shard: the shard of a client depends on a
// hash seeded per process, and with one entry per shard two test clients
// in the same shard found it full (TableFull) about once in 64 runs.
constexpr size_t kRoomy = 64 * ClientTable::kShards;

TEST(ClientAdmissionTest, ConnectionsOverTheLimitAreRefused) {
  GateLimits gate(1, kRoomy);
  const PerClientLimits rules = limits(2, 0, 0);
  ConnectionSlot a, b, c;
  EXPECT_EQ(admitClientConnection(gate, a, rules, ip("192.0.2.1"), 0), Admit::Admitted);
  EXPECT_EQ(admitClientConnection(gate, b, rules, ip("::ffff:192.0.2.1"), 0), Admit::Admitted);
  EXPECT_EQ(admitClientConnection(gate, c, rules, ip("192.0.2.1"), 0), Admit::Refused);
  ConnectionSlot other;
  EXPECT_EQ(admitClientConnection(gate, other, rules, ip("192.0.2.2"), 0), Admit::Admitted);
  // One ends: room for one more.
  a.release();
  EXPECT_EQ(admitClientConnection(gate, c, rules, ip("192.0.2.1"), 0), Admit::Admitted);
}

TEST(ClientAdmissionTest, ExemptClientsNeverEnterTheTable) {
  GateLimits gate(1, kRoomy);
  const PerClientLimits rules = limits(1, 1.0, 1, "198.51.100.0/24");
  for (int i = 0; i < 5; ++i) {
    ConnectionSlot slot;
    EXPECT_EQ(admitClientConnection(gate, slot, rules, ip("198.51.100.9"), 0), Admit::Admitted);
    slot.release();
    EXPECT_EQ(admitClientRequest(gate.clients(), rules, ip("198.51.100.9"), 0).retryAfter, 0u);
  }
  EXPECT_EQ(gate.clients().size(), 0u);
  // Others are limited as usual.
  ConnectionSlot one, two;
  EXPECT_EQ(admitClientConnection(gate, one, rules, ip("198.51.101.9"), 0), Admit::Admitted);
  EXPECT_EQ(admitClientConnection(gate, two, rules, ip("198.51.101.9"), 0), Admit::Refused);
  EXPECT_EQ(admitClientRequest(gate.clients(), rules, ip("198.51.101.9"), 0).retryAfter, 0u);
  EXPECT_EQ(admitClientRequest(gate.clients(), rules, ip("198.51.101.9"), 0).retryAfter, 1u);
}

TEST(ClientAdmissionTest, LimitsThatAreOffLookNothingUp) {
  GateLimits gate(1, kRoomy);
  const PerClientLimits off;
  for (int i = 0; i < 5; ++i) {
    ConnectionSlot slot;
    EXPECT_EQ(admitClientConnection(gate, slot, off, ip("192.0.2.1"), 0), Admit::Admitted);
    EXPECT_EQ(admitClientRequest(gate.clients(), off, ip("192.0.2.1"), 0).retryAfter, 0u);
  }
  EXPECT_EQ(gate.clients().size(), 0u);
  // A request rate alone counts connections too (their entries stay).
  const PerClientLimits rate = limits(0, 1.0, 1);
  ConnectionSlot slot;
  EXPECT_EQ(admitClientConnection(gate, slot, rate, ip("192.0.2.1"), 0), Admit::Admitted);
  EXPECT_EQ(gate.clients().connections(ClientKey::of(ip("192.0.2.1"))), 1u);
}

TEST(ConnectionSlotTest, GivesItsCountsBackOnceWhereverItMoved) {
  GateLimits gate(2, kRoomy);
  const ClientKey who = ClientKey::of(ip("192.0.2.1"));
  {
    ConnectionSlot accepted;
    ASSERT_TRUE(accepted.takeListener(gate, 1, 0));
    ASSERT_EQ(accepted.takeClient(gate, who, 0, 0), Admit::Admitted);
    EXPECT_EQ(gate.listenerCount(1).load(), 1u);
    EXPECT_EQ(gate.clients().connections(who), 1u);
    // A handshake hands it to the protocol: moved, not copied.
    ConnectionSlot handed(std::move(accepted));
    ConnectionSlot protocol;
    protocol = std::move(handed);
    EXPECT_EQ(gate.listenerCount(1).load(), 1u);
    EXPECT_EQ(gate.clients().connections(who), 1u);
  }
  EXPECT_EQ(gate.listenerCount(1).load(), 0u);
  EXPECT_EQ(gate.clients().connections(who), 0u);
  EXPECT_EQ(gate.listenerCount(0).load(), 0u);
}

TEST(ConnectionSlotTest, AListenerRefusesPastItsMaxConnections) {
  GateLimits gate(2, kRoomy);
  ConnectionSlot a, b, c, elsewhere;
  EXPECT_TRUE(a.takeListener(gate, 0, 2));
  EXPECT_TRUE(b.takeListener(gate, 0, 2));
  EXPECT_FALSE(c.takeListener(gate, 0, 2));
  EXPECT_EQ(gate.listenerCount(0).load(), 2u);  // the refused one counts nothing
  EXPECT_TRUE(elsewhere.takeListener(gate, 1, 2));
  // A lowered limit refuses new ones and leaves open ones alone.
  EXPECT_FALSE(c.takeListener(gate, 0, 1));
  EXPECT_EQ(gate.listenerCount(0).load(), 2u);
  b.release();
  a.release();
  EXPECT_TRUE(c.takeListener(gate, 0, 1));
  // Without a limit the count goes on.
  ConnectionSlot d;
  EXPECT_TRUE(d.takeListener(gate, 0, 0));
  EXPECT_EQ(gate.listenerCount(0).load(), 2u);
}

}  // namespace
}  // namespace httpgate::gate
