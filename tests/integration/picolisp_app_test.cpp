// A real PicoLisp application (tests/integration/pil/app.l, run by `pil`)
// behind the real gate over TLS: a session is opened on the application's
// parent port, then a chunked form POST and a chunked multipart upload go to
// the session child's own port. The application answers with what http.l
// read, so these tests show that PicoLisp gets the bytes the client sent.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "tests/support/child_process.h"
#include "tests/support/client.h"
#include "tests/support/deadline.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/sockets.h"

namespace httpgate::test {
namespace {

constexpr const char* kPil = "/usr/bin/pil";
constexpr const char* kSetsid = "/usr/bin/setsid";

std::string chunked(std::string_view body, size_t piece) {
  std::string out;
  for (size_t at = 0; at < body.size(); at += piece) {
    const std::string_view part = body.substr(at, piece);
    char line[32];
    std::snprintf(line, sizeof line, "%zx\r\n", part.size());
    out.append(line).append(part).append("\r\n");
  }
  return out + "0\r\n\r\n";
}

class PicolispAppTest : public GateTest {
 protected:
  void SetUp() override {
    GateTest::SetUp();
    if (access(kPil, X_OK) != 0 || access(kSetsid, X_OK) != 0) {
      GTEST_SKIP() << kPil << " (package picolisp) or " << kSetsid
                   << " is missing: packaging/quickstart/install-deps.sh installs it";
    }
    const uint16_t port = freePortOutsideEphemeralRange();  // for pil to listen on
    // setsid makes pil a process group leader, so that TearDown also ends the
    // session children it forks.
    pil_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        kSetsid, kPil, std::string(HTTPGATE_SOURCE_DIR) + "/tests/integration/pil/app.l",
        std::to_string(port)});
    const Deadline deadline(Millis{10'000});
    bool up = false;
    for (int i = 0; i < 200 && !up && !deadline.expired(); ++i) {
      up = connectTcp("127.0.0.1", port, Millis{200}).valid();
      if (!up) {
        usleep(50'000);
      }
    }
    ASSERT_TRUE(up) << "pil did not listen on " << port << ":\n" << pil_->err().text();
    ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(cert_, port)));
    client_ = Client::tls(tlsPort());
    ASSERT_TRUE(client_.connected()) << client_.error();
  }

  void TearDown() override {
    if (pil_) {
      kill(-pil_->pid(), SIGKILL);  // pil and every session child
      pil_->waitExit(Millis{5000});
    }
    GateTest::TearDown();
  }

  // Opens a session through the gate; returns the session's path prefix as
  // the application's base URL names it: "/<port>/<sesid>~".
  std::string openSession() {
    const HttpResponse response = client_.exchange(getRequest("/!start"));
    EXPECT_EQ(response.status, 200) << response.describe();
    const std::string prefix = "https://gate.test/";
    EXPECT_EQ(response.body.rfind(prefix, 0), 0U) << response.body;
    if (response.body.rfind(prefix, 0) != 0) {
      return "";
    }
    return "/" + response.body.substr(prefix.size());
  }

  std::unique_ptr<ChildProcess> pil_;
  Client client_;
};

TEST_F(PicolispAppTest, ChunkedFormPostReachesTheSession) {
  const std::string session = openSession();
  ASSERT_FALSE(session.empty());
  const std::string form = "*A=hello%20PicoLisp&*B=" + std::string(3000, 'b');
  const HttpResponse response = client_.exchange("POST " + session +
                                                 "!form HTTP/1.1\r\nHost: gate.test\r\n"
                                                 "Transfer-Encoding: chunked\r\n\r\n" +
                                                 chunked(form, 7));
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "hello PicoLisp|" + std::string(3000, 'b'));
}

TEST_F(PicolispAppTest, ChunkedMultipartUploadReachesTheSession) {
  const std::string session = openSession();
  ASSERT_FALSE(session.empty());
  std::string file = "first line\r\nsecond line\r\n";
  for (int i = 0; i < 256; ++i) {
    file.push_back(static_cast<char>(i));
  }
  file += "\r\n--not-the-boundary\r\nlast";
  const std::string boundary = "gate-test-7f3a";
  const std::string body = "--" + boundary +
                           "\r\nContent-Disposition: form-data; name=\"*T\"\r\n\r\n"
                           "some text\r\n--" +
                           boundary +
                           "\r\nContent-Disposition: form-data; name=\"*F\"; "
                           "filename=\"up.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n" +
                           file + "\r\n--" + boundary + "--\r\n";
  // A quoted boundary: http.l reads it only once the gate has unquoted it.
  const HttpResponse response = client_.exchange("POST " + session +
                                                 "!upload HTTP/1.1\r\nHost: gate.test\r\n"
                                                 "Content-Type: multipart/form-data; boundary=\"" +
                                                 boundary +
                                                 "\"\r\n"
                                                 "Transfer-Encoding: chunked\r\n\r\n" +
                                                 chunked(body, 100));
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.field("X-Fields"), "up.bin|some text");
  EXPECT_EQ(response.body, file);
}

}  // namespace
}  // namespace httpgate::test
