// One regression test per request-smuggling or resource attack, each named
// after it: the gate answers the status the contract names, closes the
// connection, and the backend sees nothing (or at most the one request the
// gate had begun to forward, never a smuggled second one).
#include <gtest/gtest.h>

#include <thread>

#include "tests/support/backend.h"
#include "tests/support/client.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"

namespace httpgate::test {
namespace {

class AttacksTest : public GateTest {
 protected:
  void SetUp() override {
    GateTest::SetUp();
    ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(
        cert_, backend_.port(), "", "timeouts:\n  request_header: 1s\n" + limitsYaml())));
    client_ = Client::tls(tlsPort());
    ASSERT_TRUE(client_.connected()) << client_.error();
  }

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

  Backend backend_;
  Client client_;
};

TEST_F(AttacksTest, ContentLengthWithTransferEncoding) {
  expectRejected("POST " + pathTo(backend_, "/x") +
                     " HTTP/1.1\r\nHost: gate.test\r\nContent-Length: 6\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nG",
                 400);
  expectBackendUntouched();
}

TEST_F(AttacksTest, DuplicateDifferingContentLength) {
  expectRejected("POST " + pathTo(backend_, "/x") +
                     " HTTP/1.1\r\nHost: gate.test\r\nContent-Length: 5\r\n"
                     "Content-Length: 6\r\n\r\nhello!",
                 400);
  expectBackendUntouched();
}

TEST_F(AttacksTest, ObsFold) {
  expectRejected(getRequest(pathTo(backend_, "/x"), "X-Folded: a\r\n b\r\n"), 400);
  expectBackendUntouched();
}

TEST_F(AttacksTest, BareCrInField) {
  expectRejected(getRequest(pathTo(backend_, "/x"), "X-A: a\rX-B: b\r\n"), 400);
  expectBackendUntouched();
}

TEST_F(AttacksTest, BareLfLineEnd) {
  expectRejected(getRequest(pathTo(backend_, "/x"), "X-A: a\nX-B: b\r\n"), 400);
  expectBackendUntouched();
}

TEST_F(AttacksTest, NulInFieldValue) {
  expectRejected(getRequest(pathTo(backend_, "/x"), std::string("X-A: a\0b\r\n", 10)), 400);
  expectBackendUntouched();
}

TEST_F(AttacksTest, ControlCharacterInFieldName) {
  expectRejected(getRequest(pathTo(backend_, "/x"), "X-\x01Name: v\r\n"), 400);
  expectBackendUntouched();
}

TEST_F(AttacksTest, SpaceBeforeColon) {
  expectRejected(getRequest(pathTo(backend_, "/x"), "Transfer-Encoding : chunked\r\n"), 400);
  expectBackendUntouched();
}

TEST_F(AttacksTest, MissingHostOnHttp11) {
  expectRejected("GET " + pathTo(backend_, "/x") + " HTTP/1.1\r\nAccept: */*\r\n\r\n", 400);
  expectBackendUntouched();
}

TEST_F(AttacksTest, DuplicateHost) {
  expectRejected(getRequest(pathTo(backend_, "/x"), "Host: evil.test\r\n"), 400);
  expectBackendUntouched();
}

TEST_F(AttacksTest, OversizedHeaderBlock) {
  // limits.max_request_header is 4 KiB here; send 6 KiB of fields.
  std::string fields;
  for (int i = 0; i < 12; ++i) {
    fields += "X-Big-" + std::to_string(i) + ": " + std::string(500, 'a') + "\r\n";
  }
  expectRejected(getRequest(pathTo(backend_, "/x"), fields), 431);
  expectBackendUntouched();
}

TEST_F(AttacksTest, RequestLineLongerThanHeaderLimit) {
  // The request line alone outgrows max_request_header (4 KiB) and is still
  // unfinished: the URI is what is too long, so 414, not 431.
  expectRejected("GET " + pathTo(backend_, "/" + std::string(6000, 'a')), 414);
  expectBackendUntouched();
}

TEST_F(AttacksTest, UnsupportedTransferCoding) {
  expectRejected("POST " + pathTo(backend_, "/x") +
                     " HTTP/1.1\r\nHost: gate.test\r\nTransfer-Encoding: foo, chunked\r\n\r\n"
                     "0\r\n\r\n",
                 501);
  expectBackendUntouched();
}

TEST_F(AttacksTest, TransferCodingNotEndingInChunked) {
  // The body length cannot be known: 400 (RFC 9112 6.3).
  expectRejected("POST " + pathTo(backend_, "/x") +
                     " HTTP/1.1\r\nHost: gate.test\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"
                     "0\r\n\r\n",
                 400);
  expectBackendUntouched();
}

TEST_F(AttacksTest, UnsupportedHttpVersion) {
  expectRejected("GET " + pathTo(backend_, "/x") + " HTTP/2.0\r\nHost: gate.test\r\n\r\n", 505);
  expectBackendUntouched();
}

TEST_F(AttacksTest, BadChunkSize) {
  expectRejected(chunkedPost("zz\r\nabc\r\n0\r\n\r\n"), 400);
  expectNothingSmuggled();
  EXPECT_EQ(backend_.receivedBytes().find("zz"), std::string::npos);
}

TEST_F(AttacksTest, SmuggledRequestAfterChunkOverrun) {
  // The chunk says 3 bytes but runs on into a second request.
  expectRejected(chunkedPost("3\r\nabcGET /smuggled HTTP/1.1\r\nHost: gate.test\r\n\r\n"
                             "0\r\n\r\n"),
                 400);
  expectNothingSmuggled();
}

TEST_F(AttacksTest, SmuggledRequestThroughChunkSizeOverflow) {
  // 2^64 + 0x30 wraps to 0x30 in a parser that does not check overflow.
  const std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: gate.test\r\n\r\n";
  expectRejected(chunkedPost("10000000000000030\r\n" + smuggled + "0\r\n\r\n"), 400);
  expectNothingSmuggled();
}

TEST_F(AttacksTest, SmuggledRequestInTrailerSection) {
  expectRejected(chunkedPost("0\r\nGET /smuggled HTTP/1.1\r\nHost: gate.test\r\n\r\n"), 400);
  expectNothingSmuggled();
}

TEST_F(AttacksTest, ForgedXPil) {
  const HttpResponse response = client_.exchange(
      getRequest(pathTo(backend_, "/x"),
                 "X-Pil: *Adr=6.6.6.6\r\nX-Pil: *Gate=http\r\nx-pil: *Cipher=NONE\r\n"));
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.status, 200);
  ASSERT_EQ(backend_.requestCount(), 1U);
  const RecordedRequest request = backend_.requests()[0];
  EXPECT_EQ(countField(request.fields, "X-Pil"), 3U) << request.head;
  EXPECT_EQ(request.head.find("6.6.6.6"), std::string::npos) << request.head;
  EXPECT_EQ(request.head.find("NONE"), std::string::npos) << request.head;
  EXPECT_NE(request.head.find("X-Pil: *Adr=127.0.0.1\r\n"), std::string::npos) << request.head;
  EXPECT_NE(request.head.find("X-Pil: *Gate=https\r\n"), std::string::npos) << request.head;
}

TEST_F(AttacksTest, SlowHeader) {
  // timeouts.request_header is 1 s: half a head, then silence.
  const Deadline deadline(Millis{3500});
  ASSERT_TRUE(client_.send("GET " + pathTo(backend_, "/x") + " HTTP/1.1\r\nHost: gate"));
  EXPECT_TRUE(client_.waitClosed(deadline.remaining())) << "still open after 3.5 s";
  const std::string answer = client_.unread();
  if (!answer.empty()) {
    EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 408") << answer;
  }
  expectBackendUntouched();
}

TEST_F(AttacksTest, SlowHeaderDrip) {
  // One byte every 100 ms keeps every read short but the head unfinished:
  // the 1 s request_header limit must still end it.
  const std::string request =
      getRequest(pathTo(backend_, "/x"), "X-Slow: " + std::string(100, 'a') + "\r\n");
  const Clock::time_point start = Clock::now();
  bool closed = false;
  for (size_t i = 0; i < request.size() && !closed; ++i) {
    if (!client_.send(request.substr(i, 1))) {
      closed = true;
      break;
    }
    closed = client_.waitClosed(Millis{100});  // paces the drip and sees the close
  }
  EXPECT_TRUE(closed) << "the whole head was dripped without the gate closing";
  EXPECT_LT(Clock::now() - start, Millis{3500});
  expectBackendUntouched();
}

// The same attacks with the default limits (16 KiB of head).
class DefaultLimitsAttacksTest : public AttacksTest {
 protected:
  std::string limitsYaml() const override { return ""; }
};

TEST_F(DefaultLimitsAttacksTest, OverlongRequestLine) {
  expectRejected(getRequest(pathTo(backend_, "/" + std::string(10000, 'a'))), 414);
  expectBackendUntouched();
}

TEST_F(DefaultLimitsAttacksTest, TooManyHeaderFields) {
  std::string fields;
  for (int i = 0; i < 300; ++i) {
    fields += "X-" + std::to_string(i) + ": v\r\n";
  }
  expectRejected(getRequest(pathTo(backend_, "/x"), fields), 431);
  expectBackendUntouched();
}

}  // namespace
}  // namespace httpgate::test
