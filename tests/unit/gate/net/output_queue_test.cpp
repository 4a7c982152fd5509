// OutputQueue and receiveInto over a real socketpair: what reaches the
// peer, in how many writes, and what the queue keeps.
#include "gate/net/output_queue.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "gate/net/receive.h"

namespace httpgate::gate {
namespace {

class OutputQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int fds[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
    transport_.attach(fds[0], nullptr);
    peer_ = fds[1];
    ready_.readable = ready_.writable = true;
    ASSERT_TRUE(source_.acquire(pool_));
  }
  void TearDown() override { ::close(peer_); }

  // Fills the source buffer with `bytes`.
  void put(const std::string& bytes) {
    std::memcpy(source_.writePtr(), bytes.data(), bytes.size());
    source_.commit(bytes.size());
  }
  // One read of what the peer has (bounded: the socket is non-blocking).
  std::string readOnce() {
    char buf[65536];
    const ssize_t n = ::read(peer_, buf, sizeof(buf));
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }

  BufferPool pool_{64 * 1024};
  Buffer source_;
  Transport transport_;
  Readiness ready_;
  int peer_ = -1;
};

TEST_F(OutputQueueTest, AHeadAndASmallBodyLeaveInOneWrite) {
  // A record socket keeps every write apart: one read is one write.
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, fds), 0);
  Transport records;
  records.attach(fds[0], nullptr);
  OutputQueue queue;
  queue.bytes() = "HEAD\r\n\r\n";
  put("body");
  size_t forward = 4;
  const OutputQueue::Flushed flushed = queue.flush(records, ready_, &source_, forward);
  EXPECT_TRUE(flushed.progress);
  EXPECT_EQ(flushed.bytes, 12u);
  EXPECT_EQ(forward, 0u);
  EXPECT_TRUE(source_.empty());
  EXPECT_FALSE(queue.pending());
  EXPECT_TRUE(queue.bytes().empty());  // sent bytes are dropped
  char first[64] = {};
  const ssize_t n = ::read(fds[1], first, sizeof(first));
  EXPECT_EQ(std::string(first, n > 0 ? static_cast<size_t>(n) : 0), "HEAD\r\n\r\nbody");
  ::close(fds[1]);
}

TEST_F(OutputQueueTest, ALargeBodyIsForwardedFromTheSourceWithoutTheCopy) {
  OutputQueue queue;
  queue.bytes() = "HEAD";
  const std::string body(OutputQueue::kCoalesceLimit, 'x');
  put(body);
  size_t forward = body.size();
  const OutputQueue::Flushed flushed = queue.flush(transport_, ready_, &source_, forward);
  EXPECT_EQ(flushed.bytes, 4 + body.size());
  EXPECT_LT(queue.bytes().capacity(), body.size());  // never appended to the head
  std::string got;
  for (int i = 0; i < 100 && got.size() < 4 + body.size(); ++i) {
    got += readOnce();
  }
  EXPECT_EQ(got, "HEAD" + body);
}

TEST_F(OutputQueueTest, OnlyTheForwardedCountLeavesTheSource) {
  OutputQueue queue;
  put("abcdef");
  size_t forward = 3;
  queue.flush(transport_, ready_, &source_, forward);
  EXPECT_EQ(readOnce(), "abc");
  EXPECT_EQ(source_.view(), "def");
}

TEST_F(OutputQueueTest, AKeptHeadStaysAfterItWasSent) {
  OutputQueue queue;
  queue.bytes() = "GET / HTTP/1.1\r\n\r\n";
  size_t forward = 0;
  queue.flush(transport_, ready_, &source_, forward, /*keepWhenSent=*/true);
  EXPECT_FALSE(queue.pending());
  EXPECT_EQ(queue.take(), "GET / HTTP/1.1\r\n\r\n");  // ready to go again elsewhere
  EXPECT_EQ(readOnce(), "GET / HTTP/1.1\r\n\r\n");
}

TEST_F(OutputQueueTest, AFullSocketClearsWritableAndKeepsTheRest) {
  OutputQueue queue;
  queue.bytes() = std::string(4 * 1024 * 1024, 'y');  // more than a socketpair holds
  size_t forward = 0;
  const OutputQueue::Flushed flushed = queue.flush(transport_, ready_, &source_, forward);
  EXPECT_FALSE(ready_.writable);
  EXPECT_TRUE(queue.pending());
  EXPECT_LT(flushed.bytes, queue.bytes().size());
}

TEST_F(OutputQueueTest, AClosedPeerIsAFailure) {
  ::close(peer_);
  peer_ = ::open("/dev/null", O_RDONLY);  // for TearDown
  OutputQueue queue;
  queue.bytes() = "lost";
  size_t forward = 0;
  EXPECT_TRUE(queue.flush(transport_, ready_, &source_, forward).failed);
}

TEST_F(OutputQueueTest, ReceiveDrainsTheSocketAndSaysSo) {
  ASSERT_EQ(::write(peer_, "hello", 5), 5);
  Buffer in;
  ASSERT_TRUE(in.acquire(pool_));
  IoResult result = receiveInto(transport_, in, ready_);
  EXPECT_EQ(result.status, IoStatus::Ok);
  EXPECT_EQ(in.view(), "hello");
  EXPECT_FALSE(ready_.readable);  // a short read drained it
  ready_.readable = true;
  result = receiveInto(transport_, in, ready_);
  EXPECT_EQ(result.status, IoStatus::WantRead);
  EXPECT_FALSE(ready_.readable);
  ::shutdown(peer_, SHUT_WR);
  ready_.readable = true;
  EXPECT_EQ(receiveInto(transport_, in, ready_).status, IoStatus::Eof);
}

TEST(Readiness, EventsUnblockTheCrossedWaits) {
  Readiness ready;
  ready.readBlocked(IoStatus::WantWrite);  // a TLS read that needs to write
  EXPECT_TRUE(ready.readWantsWrite);
  EXPECT_FALSE(ready.readable);
  ready.onEvent(EV_WRITE);
  EXPECT_TRUE(ready.readable);
  EXPECT_TRUE(ready.writable);
  EXPECT_FALSE(ready.readWantsWrite);
  ready.writeBlocked(IoStatus::WantRead);
  EXPECT_TRUE(ready.writeWantsRead);
  EXPECT_FALSE(ready.writable);
  ready.onEvent(EV_READ);
  EXPECT_TRUE(ready.writable);
  EXPECT_FALSE(ready.writeWantsRead);
}

}  // namespace
}  // namespace httpgate::gate
