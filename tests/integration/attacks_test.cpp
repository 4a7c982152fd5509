// One regression test per request-smuggling or resource attack, each named
// after it: the gate answers the status the contract names, closes the
// connection, and the backend sees nothing (or at most the one request the
// gate had begun to forward, never a smuggled second one).
//
// Every attack runs over both paths a request body can take: with
// headers.picolisp a chunked body is collected and re-framed
// (session_reframe.cpp), without it the body streams to the backend as it
// is validated (session_request.cpp).
#include <gtest/gtest.h>

#include <thread>

#include "tests/support/backend.h"
#include "tests/support/client.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/timeout_bounds.h"

namespace httpgate::test {
namespace {

constexpr Millis kRequestHeaderTimeout{1000};

// The test parameter: headers.picolisp, which picks the body path.
class AttacksTest : public GateTest, public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override {
    GateTest::SetUp();
    ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(
        cert_, backend_.port(), "",
        "timeouts:\n  request_header: " + std::to_string(kRequestHeaderTimeout.count()) +
            "ms\nheaders:\n  picolisp: " + (picolisp() ? "true" : "false") + "\n" + limitsYaml())));
    client_ = Client::tls(tlsPort());
    ASSERT_TRUE(client_.connected()) << client_.error();
  }

  // headers.picolisp: chunked bodies take the re-framing path, and the
  // gate adds its X-Pil fields.
  bool picolisp() const { return GetParam(); }

  // A small head limit, so that oversized heads stay small enough for the
  // gate to read in one go (no reset racing the error response).
  virtual std::string limitsYaml() const { return "limits:\n  max_request_header: 4KiB\n"; }

  // Sends `request`, expects the gate's own `status` with Connection: close
  // and the connection closed after it.
  void expectRejected(const std::string& request, int status) {
    const HttpResponse response = client_.exchange(request);
    EXPECT_TRUE(isGateResponse(response, status, true));
    EXPECT_TRUE(client_.waitClosed(Millis{2000})) << "the gate kept the connection open";
  }

  void expectBackendUntouched() {
    EXPECT_EQ(backend_.connectionCount(), 0U);
    EXPECT_EQ(backend_.requestCount(), 0U);
  }

  // A chunked POST whose body is `body`.
  std::string chunkedPost(std::string_view body) {
    return "POST " + pathTo(backend_, "/upload") +
           " HTTP/1.1\r\nHost: gate.test\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(body);
  }

  // The backend never saw the smuggled request, nor more than one request.
  void expectNothingSmuggled() {
    EXPECT_LE(backend_.requestCount(), 1U);
    EXPECT_EQ(backend_.receivedBytes().find("smuggled"), std::string::npos)
        << "the backend received:\n"
        << backend_.receivedBytes();
  }

  // A chunked POST whose body starts well and then has `badChunk`: the
  // good part is sent and, on the streaming path, seen arriving at the
  // backend first, so that the bad part is decoded on its own, after the
  // request went out.
  void expectBadChunkAfterAGoodOneRejected(std::string_view badChunk) {
    ASSERT_TRUE(client_.send(chunkedPost("5\r\nhello\r\n")));
    if (!picolisp()) {
      const Deadline deadline(kIoTimeout);
      while (backend_.receivedBytes().find("5\r\nhello\r\n") == std::string::npos &&
             !deadline.expired()) {
        std::this_thread::sleep_for(Millis{5});
      }
      ASSERT_NE(backend_.receivedBytes().find("5\r\nhello\r\n"), std::string::npos)
          << "the first chunk did not reach the backend";
    }
    expectRejected(std::string(badChunk), 400);
    expectNothingSmuggled();
  }

  Backend backend_;
  Client client_;
};

TEST_P(AttacksTest, ContentLengthWithTransferEncoding) {
  expectRejected("POST " + pathTo(backend_, "/x") +
                     " HTTP/1.1\r\nHost: gate.test\r\nContent-Length: 6\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nG",
                 400);
  expectBackendUntouched();
}

TEST_P(AttacksTest, DuplicateDifferingContentLength) {
  expectRejected("POST " + pathTo(backend_, "/x") +
                     " HTTP/1.1\r\nHost: gate.test\r\nContent-Length: 5\r\n"
                     "Content-Length: 6\r\n\r\nhello!",
                 400);
  expectBackendUntouched();
}

TEST_P(AttacksTest, ObsFold) {
  expectRejected(getRequest(pathTo(backend_, "/x"), "X-Folded: a\r\n b\r\n"), 400);
  expectBackendUntouched();
}

TEST_P(AttacksTest, BareCrInField) {
  expectRejected(getRequest(pathTo(backend_, "/x"), "X-A: a\rX-B: b\r\n"), 400);
  expectBackendUntouched();
}

TEST_P(AttacksTest, BareLfLineEnd) {
  expectRejected(getRequest(pathTo(backend_, "/x"), "X-A: a\nX-B: b\r\n"), 400);
  expectBackendUntouched();
}

TEST_P(AttacksTest, NulInFieldValue) {
  expectRejected(getRequest(pathTo(backend_, "/x"), std::string("X-A: a\0b\r\n", 10)), 400);
  expectBackendUntouched();
}

TEST_P(AttacksTest, ControlCharacterInFieldName) {
  expectRejected(getRequest(pathTo(backend_, "/x"), "X-\x01Name: v\r\n"), 400);
  expectBackendUntouched();
}

TEST_P(AttacksTest, SpaceBeforeColon) {
  expectRejected(getRequest(pathTo(backend_, "/x"), "Transfer-Encoding : chunked\r\n"), 400);
  expectBackendUntouched();
}

TEST_P(AttacksTest, MissingHostOnHttp11) {
  expectRejected("GET " + pathTo(backend_, "/x") + " HTTP/1.1\r\nAccept: */*\r\n\r\n", 400);
  expectBackendUntouched();
}

TEST_P(AttacksTest, DuplicateHost) {
  expectRejected(getRequest(pathTo(backend_, "/x"), "Host: evil.test\r\n"), 400);
  expectBackendUntouched();
}

TEST_P(AttacksTest, OversizedHeaderBlock) {
  // limits.max_request_header is 4 KiB here; send 6 KiB of fields.
  std::string fields;
  for (int i = 0; i < 12; ++i) {
    fields += "X-Big-" + std::to_string(i) + ": " + std::string(500, 'a') + "\r\n";
  }
  expectRejected(getRequest(pathTo(backend_, "/x"), fields), 431);
  expectBackendUntouched();
}

TEST_P(AttacksTest, RequestLineLongerThanHeaderLimit) {
  // The request line alone outgrows max_request_header (4 KiB) and is still
  // unfinished: the URI is what is too long, so 414, not 431.
  expectRejected("GET " + pathTo(backend_, "/" + std::string(6000, 'a')), 414);
  expectBackendUntouched();
}

TEST_P(AttacksTest, UnsupportedTransferCoding) {
  expectRejected("POST " + pathTo(backend_, "/x") +
                     " HTTP/1.1\r\nHost: gate.test\r\nTransfer-Encoding: foo, chunked\r\n\r\n"
                     "0\r\n\r\n",
                 501);
  expectBackendUntouched();
}

TEST_P(AttacksTest, TransferCodingNotEndingInChunked) {
  // The body length cannot be known: 400 (RFC 9112 6.3).
  expectRejected("POST " + pathTo(backend_, "/x") +
                     " HTTP/1.1\r\nHost: gate.test\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"
                     "0\r\n\r\n",
                 400);
  expectBackendUntouched();
}

TEST_P(AttacksTest, UnsupportedHttpVersion) {
  expectRejected("GET " + pathTo(backend_, "/x") + " HTTP/2.0\r\nHost: gate.test\r\n\r\n", 505);
  expectBackendUntouched();
}

TEST_P(AttacksTest, BadChunkSize) {
  expectRejected(chunkedPost("zz\r\nabc\r\n0\r\n\r\n"), 400);
  expectNothingSmuggled();
  EXPECT_EQ(backend_.receivedBytes().find("zz"), std::string::npos);
}

TEST_P(AttacksTest, SmuggledRequestAfterChunkOverrun) {
  // The chunk says 3 bytes but runs on into a second request.
  expectRejected(chunkedPost("3\r\nabcGET /smuggled HTTP/1.1\r\nHost: gate.test\r\n\r\n"
                             "0\r\n\r\n"),
                 400);
  expectNothingSmuggled();
}

TEST_P(AttacksTest, SmuggledRequestThroughChunkSizeOverflow) {
  // 2^64 + 0x30 wraps to 0x30 in a parser that does not check overflow.
  const std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: gate.test\r\n\r\n";
  expectRejected(chunkedPost("10000000000000030\r\n" + smuggled + "0\r\n\r\n"), 400);
  expectNothingSmuggled();
}

TEST_P(AttacksTest, SmuggledRequestInTrailerSection) {
  expectRejected(chunkedPost("0\r\nGET /smuggled HTTP/1.1\r\nHost: gate.test\r\n\r\n"), 400);
  expectNothingSmuggled();
}

TEST_P(AttacksTest, ForgedXPil) {
  const HttpResponse response = client_.exchange(
      getRequest(pathTo(backend_, "/x"),
                 "X-Pil: *Adr=6.6.6.6\r\nX-Pil: *Gate=http\r\nx-pil: *Cipher=NONE\r\n"));
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.status, 200);
  ASSERT_EQ(backend_.requestCount(), 1U);
  const RecordedRequest request = backend_.requests()[0];
  EXPECT_EQ(request.head.find("6.6.6.6"), std::string::npos) << request.head;
  EXPECT_EQ(request.head.find("NONE"), std::string::npos) << request.head;
  if (!picolisp()) {
    // Without headers.picolisp the gate adds no X-Pil of its own.
    EXPECT_EQ(countField(request.fields, "X-Pil"), 0U) << request.head;
    return;
  }
  EXPECT_EQ(countField(request.fields, "X-Pil"), 3U) << request.head;
  EXPECT_NE(request.head.find("X-Pil: *Adr=127.0.0.1\r\n"), std::string::npos) << request.head;
  EXPECT_NE(request.head.find("X-Pil: *Gate=https\r\n"), std::string::npos) << request.head;
}

TEST_P(AttacksTest, SlowHeader) {
  // Half a head, then silence: the gate's own 408 at timeouts.request_header.
  const Clock::time_point start = Clock::now();
  ASSERT_TRUE(client_.send("GET " + pathTo(backend_, "/x") + " HTTP/1.1\r\nHost: gate"));
  const HttpResponse response = client_.readResponse(false, Millis{3500});
  const auto elapsed = Clock::now() - start;
  EXPECT_TRUE(isGateResponse(response, 408, true));
  EXPECT_TRUE(endedByTimeout(elapsed, kRequestHeaderTimeout)) << "timeouts.request_header";
  EXPECT_TRUE(client_.waitClosed(Millis{2000})) << "the gate kept the connection open";
  expectBackendUntouched();
}

TEST_P(AttacksTest, SlowHeaderDrip) {
  // One byte every 100 ms keeps every read short but the head unfinished:
  // timeouts.request_header counts from the head's first byte all the same.
  const std::string request =
      getRequest(pathTo(backend_, "/x"), "X-Slow: " + std::string(100, 'a') + "\r\n");
  const Clock::time_point start = Clock::now();
  const Deadline giveUp(Millis{3500});
  bool closed = false;
  for (size_t i = 0; i < request.size() && !closed && !giveUp.expired(); ++i) {
    if (!client_.send(request.substr(i, 1))) {
      break;
    }
    closed = client_.waitClosed(Millis{100});  // paces the drip and sees the close
  }
  const auto elapsed = Clock::now() - start;
  ASSERT_TRUE(closed) << "still open after 3.5 s of dripping";
  EXPECT_TRUE(endedByTimeout(elapsed, kRequestHeaderTimeout)) << "timeouts.request_header";
  const std::string answer = client_.unread();
  EXPECT_EQ(answer.substr(0, answer.find("\r\n") + 2), "HTTP/1.1 408 Request Timeout\r\n")
      << answer;
  expectBackendUntouched();
}

// Malformed chunk sizes, on both body paths.

TEST_P(AttacksTest, NegativeChunkSize) {
  expectRejected(chunkedPost("-5\r\nhello\r\n0\r\n\r\n"), 400);
  expectNothingSmuggled();
}

TEST_P(AttacksTest, HexPrefixedChunkSize) {
  // "0x5" is 0 to a strtol-style parser that stops at the 'x'.
  expectRejected(chunkedPost("0x5\r\nhello\r\n0\r\n\r\n"), 400);
  expectNothingSmuggled();
}

TEST_P(AttacksTest, ChunkSizeNegativeAsSigned) {
  // Sixteen digits fit 64 bits, but as a signed length this one is -1.
  const std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: gate.test\r\n\r\n";
  expectRejected(chunkedPost("FFFFFFFFFFFFFFFF\r\n" + smuggled + "0\r\n\r\n"), 400);
  expectNothingSmuggled();
}

TEST_P(AttacksTest, ChunkSizeWithSpaceInside) {
  expectRejected(chunkedPost("1 0\r\n0123456789abcdef\r\n0\r\n\r\n"), 400);
  expectNothingSmuggled();
}

TEST_P(AttacksTest, EmptyChunkSize) {
  expectRejected(chunkedPost("\r\nhello\r\n0\r\n\r\n"), 400);
  expectNothingSmuggled();
}

TEST_P(AttacksTest, BareLfAfterChunkSize) {
  expectRejected(chunkedPost("5\nhello\r\n0\r\n\r\n"), 400);
  expectNothingSmuggled();
}

TEST_P(AttacksTest, BadChunkSizeAfterAGoodChunk) {
  expectBadChunkAfterAGoodOneRejected("zz\r\nabc\r\n0\r\n\r\n");
}

TEST_P(AttacksTest, SmuggledRequestAfterAGoodChunk) {
  // The second chunk runs over its size into a request of its own.
  expectBadChunkAfterAGoodOneRejected(
      "3\r\nabcGET /smuggled HTTP/1.1\r\nHost: gate.test\r\n\r\n0\r\n\r\n");
}

// The same attacks with the default limits (16 KiB of head).
class DefaultLimitsAttacksTest : public AttacksTest {
 protected:
  std::string limitsYaml() const override { return ""; }
};

TEST_P(DefaultLimitsAttacksTest, OverlongRequestLine) {
  expectRejected(getRequest(pathTo(backend_, "/" + std::string(10000, 'a'))), 414);
  expectBackendUntouched();
}

TEST_P(DefaultLimitsAttacksTest, TooManyHeaderFields) {
  std::string fields;
  for (int i = 0; i < 300; ++i) {
    fields += "X-" + std::to_string(i) + ": v\r\n";
  }
  expectRejected(getRequest(pathTo(backend_, "/x"), fields), 431);
  expectBackendUntouched();
}

std::string bodyPathName(const ::testing::TestParamInfo<bool>& info) {
  return info.param ? "PicolispReframe" : "Streaming";
}

INSTANTIATE_TEST_SUITE_P(BodyPath, AttacksTest, ::testing::Bool(), bodyPathName);
INSTANTIATE_TEST_SUITE_P(BodyPath, DefaultLimitsAttacksTest, ::testing::Bool(), bodyPathName);

}  // namespace
}  // namespace httpgate::test
