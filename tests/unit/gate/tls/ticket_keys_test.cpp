// The gate's own ticket keys (gate/tls/ticket_keys.h) rotate on their
// clock: a fresh key every lifetime, the previous one decrypting for one
// more lifetime, nothing older; the file's keys stay as given.
#include "gate/tls/ticket_keys.h"

#include <gtest/gtest.h>

#include <thread>

namespace httpgate::gate {
namespace {

constexpr int64_t kLifetime = 60'000;

std::string name(const TicketKey& key) {
  return std::string(key.bytes.begin(), key.bytes.begin() + 16);
}

class RotatingTicketKeysTest : public ::testing::Test {
 protected:
  std::atomic<int64_t> now_{1'000'000};  // before keys_, which reads it when made
  RotatingTicketKeys keys_{Duration(kLifetime), [this] { return now_.load(); }};
};

TEST_F(RotatingTicketKeysTest, OneKeyForALifetime) {
  const auto first = keys_.current();
  ASSERT_EQ(first->keys.size(), 1u);
  now_ += kLifetime - 1;
  const auto later = keys_.current();
  EXPECT_EQ(later, first) << "the key changed before its lifetime was over";
}

TEST_F(RotatingTicketKeysTest, ANewKeyEncryptsAndThePreviousStillDecrypts) {
  const TicketKey first = keys_.current()->keys.front();
  now_ += kLifetime;
  const auto rotated = keys_.current();
  ASSERT_EQ(rotated->keys.size(), 2u) << "no rotation after a lifetime, or the old key dropped";
  EXPECT_NE(name(rotated->keys[0]), name(first)) << "the new key does not encrypt";
  EXPECT_EQ(name(rotated->keys[1]), name(first)) << "the previous key no longer decrypts";
  EXPECT_NE(rotated->keys[0].bytes, first.bytes);

  // One lifetime later the first key is gone; the second one decrypts.
  const TicketKey second = rotated->keys[0];
  now_ += kLifetime;
  const auto again = keys_.current();
  ASSERT_EQ(again->keys.size(), 2u);
  EXPECT_NE(name(again->keys[0]), name(second));
  EXPECT_NE(name(again->keys[0]), name(first));
  EXPECT_EQ(name(again->keys[1]), name(second));
}

// Unused for two lifetimes or more: the previous key has also outlived its
// decrypting lifetime, so only the new one remains.
TEST_F(RotatingTicketKeysTest, AKeyOlderThanTwoLifetimesIsDropped) {
  const TicketKey first = keys_.current()->keys.front();
  now_ += 2 * kLifetime;
  const auto rotated = keys_.current();
  ASSERT_EQ(rotated->keys.size(), 1u);
  EXPECT_NE(name(rotated->keys[0]), name(first));
}

TEST_F(RotatingTicketKeysTest, AShorterLifetimeAppliesAtTheNextCheck) {
  const auto first = keys_.current();
  keys_.setLifetime(Duration(kLifetime / 2));
  now_ += kLifetime / 2;
  EXPECT_NE(keys_.current(), first);
}

// Workers ask concurrently across a rotation: all of them see one of the
// two rings, and exactly one new key is made.
TEST_F(RotatingTicketKeysTest, ConcurrentUseRotatesOnce) {
  const auto first = keys_.current();
  now_ += kLifetime;
  std::vector<std::shared_ptr<const TicketKeyRing>> seen(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < seen.size(); ++t) {
    threads.emplace_back([this, &seen, t] {
      for (int i = 0; i < 1000; ++i) {
        seen[t] = keys_.current();
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  for (const auto& ring : seen) {
    ASSERT_EQ(ring, seen.front());
    ASSERT_EQ(ring->keys.size(), 2u);
    EXPECT_EQ(ring->keys[1].bytes, first->keys[0].bytes);
  }
}

TEST(FixedTicketKeysTest, KeepsTheFileOrder) {
  std::vector<TicketKey> file(3);
  for (size_t i = 0; i < file.size(); ++i) {
    file[i].bytes.fill(static_cast<uint8_t>(i + 1));
  }
  FixedTicketKeys keys(file);
  const auto ring = keys.current();
  ASSERT_EQ(ring->keys.size(), 3u);
  EXPECT_EQ(ring->keys[0].bytes[0], 1);
  EXPECT_EQ(ring->keys[2].bytes[0], 3);
}

TEST(TicketKeysForTest, OwnKeysAreOneForTheProcess) {
  TlsGlobalConfig tls;
  const auto a = ticketKeysFor(tls);
  const auto b = ticketKeysFor(tls);
  EXPECT_EQ(a, b) << "a reload would get new keys and lose every issued ticket";
  tls.ticketKeys.resize(1);
  EXPECT_NE(ticketKeysFor(tls), a);
}

}  // namespace
}  // namespace httpgate::gate
