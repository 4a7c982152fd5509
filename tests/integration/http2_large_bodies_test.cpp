// A GiB up and a GiB down on HTTP/2 streams of one connection, through the
// flow-control windows, while other streams on it keep answering: the
// bodies are made and hashed as they go (streaming_backend.h), so neither
// the test nor the gate needs the memory they would take whole.
#include <gtest/gtest.h>

#include "tests/support/backend.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/h2_client.h"
#include "tests/support/proc_info.h"
#include "tests/support/streaming_backend.h"

namespace httpgate::test {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;

class Http2LargeBodiesTest : public GateTest {
 protected:
  void SetUp() override {
    GateTest::SetUp();
    // Without PicoLisp's re-framing: the upload streams, it is not
    // collected whole.
    const std::string yaml = "listen:\n" + tlsListenerYaml({cert_}, "127.0.0.1:0") +
                             "workers: 1\nroutes:\n  default: " + std::to_string(big_.port()) +
                             "\nheaders:\n  picolisp: false\nlog:\n  access: \"off\"\n";
    ASSERT_NO_FATAL_FAILURE(startGate(yaml));
  }

  StreamingBackend big_;
  Backend small_;
};

TEST_F(Http2LargeBodiesTest, AGibibyteEachWayWhileOtherStreamsAnswer) {
  H2Client client(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  client.setKeepData(false);
  const int32_t up = client.submitPattern({{":method", "POST"},
                                           {":scheme", "https"},
                                           {":authority", "gate.test"},
                                           {":path", "/upload"},
                                           {"content-length", std::to_string(kGiB)}},
                                          kGiB);
  const int32_t down = client.get("/bytes/" + std::to_string(kGiB));
  ASSERT_GT(up, 0);
  ASSERT_GT(down, 0);
  // Small requests to another backend, one after the other, while the two
  // large streams run: each is answered (bounded: at most 2,000 of them).
  const std::string other = "/" + std::to_string(small_.port()) + "/small";
  int answered = 0;
  long peakRssKib = 0;
  for (int i = 0; i < 2000 && !(client.stream(up).closed && client.stream(down).closed); ++i) {
    const int32_t id = client.get(other);
    ASSERT_TRUE(client.waitClosed(id, Millis{10000})) << "a small stream waited behind the large";
    ASSERT_EQ(client.stream(id).status, 200);
    ++answered;
    peakRssKib = std::max(peakRssKib, rssAnonKib(gate().pid()).value_or(0));
    client.runUntil([] { return false; }, Millis{50});
  }
  ASSERT_TRUE(client.waitClosed(up, Millis{120000})) << client.error();
  ASSERT_TRUE(client.waitClosed(down, Millis{120000})) << client.error();
  EXPECT_GT(answered, 10);

  const H2StreamResult& uploaded = client.stream(up);
  EXPECT_EQ(uploaded.status, 200);
  EXPECT_EQ(uploaded.dataSha256, sha256Hex(patternSha256(kGiB)))  // the body is the hex digest
      << "the backend did not receive the GiB unchanged";
  const H2StreamResult& downloaded = client.stream(down);
  EXPECT_EQ(downloaded.status, 200);
  EXPECT_EQ(downloaded.dataBytes, kGiB);
  EXPECT_EQ(downloaded.dataSha256, patternSha256(kGiB));
  // Memory stayed bounded by the windows and buffers, nowhere near a GiB.
  EXPECT_LT(peakRssKib, 64 * 1024)
      << "the gate's anonymous memory peaked at " << peakRssKib << " KiB";
}

}  // namespace
}  // namespace httpgate::test
