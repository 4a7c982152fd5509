// The access log: one line per request, written when the response is
// complete, in the combined or the json format, to a file or stderr.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "tests/support/backend.h"
#include "tests/support/client.h"
#include "tests/support/files.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"

namespace httpgate::test {
namespace {

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      break;  // a line still being written
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

class AccessLogTest : public GateTest {
 protected:
  void start(std::string_view format) {
    logPath_ = dir_.file("access.log");
    ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(
        cert_, backend_.port(), "",
        "log:\n  access: \"" + logPath_ + "\"\n  access_format: " + std::string(format) + "\n")));
  }

  // Sends three requests and remembers the response sizes: a 200 with a
  // referer and user agent, a gate-made 403, a 200 from the default port.
  void sendRequests() {
    Client client = Client::tls(tlsPort());
    ASSERT_TRUE(client.connected()) << client.error();
    const HttpResponse ok =
        client.exchange(getRequest(pathTo(backend_, "/x?q=1"),
                                   "Referer: http://ref.test/\r\nUser-Agent: itest-agent/1.0\r\n"));
    const HttpResponse forbidden = client.exchange(getRequest("/1000/y"));
    const HttpResponse fallback = client.exchange(getRequest("/z"));
    ASSERT_TRUE(ok.complete && forbidden.complete && fallback.complete);
    bytes_ = {ok.wireBytes, forbidden.wireBytes, fallback.wireBytes};
  }

  // The log file's lines once it has `count` of them (polled, 3 s at most:
  // a file gives no event to wait on).
  std::vector<std::string> waitForLines(size_t count) {
    const Deadline deadline(Millis{3000});
    std::vector<std::string> lines;
    while (true) {
      lines = splitLines(readFile(logPath_).value_or(""));
      if (lines.size() >= count || deadline.expired()) {
        return lines;
      }
      std::this_thread::sleep_for(Millis{10});
    }
  }

  Backend backend_;
  std::string logPath_;
  std::vector<size_t> bytes_;
};

TEST_F(AccessLogTest, CombinedFormatHasOneLinePerRequest) {
  ASSERT_NO_FATAL_FAILURE(start("combined"));
  ASSERT_NO_FATAL_FAILURE(sendRequests());
  const std::vector<std::string> lines = waitForLines(3);
  ASSERT_EQ(lines.size(), 3U) << readFile(logPath_).value_or("");
  const std::string port = std::to_string(backend_.port());
  const std::string stamp = R"(\[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\])";
  const std::regex expected[] = {
      std::regex("^127\\.0\\.0\\.1 - - " + stamp + " \"GET /" + port +
                 "/x\\?q=1 HTTP/1\\.1\" 200 " + std::to_string(bytes_[0]) +
                 " \"http://ref\\.test/\" \"itest-agent/1\\.0\" backend=" + port +
                 " time=\\d+\\.\\d+$"),
      std::regex("^127\\.0\\.0\\.1 - - " + stamp + " \"GET /1000/y HTTP/1\\.1\" 403 " +
                 std::to_string(bytes_[1]) + " \"-\" \"-\" backend=0 time=\\d+\\.\\d+$"),
      std::regex("^127\\.0\\.0\\.1 - - " + stamp + " \"GET /z HTTP/1\\.1\" 200 " +
                 std::to_string(bytes_[2]) + " \"-\" \"-\" backend=" + port + " time=\\d+\\.\\d+$"),
  };
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(std::regex_match(lines[i], expected[i])) << "line " << i << ": " << lines[i];
  }
  EXPECT_EQ(gate().countLog(std::regex("GET /z HTTP")), 0U) << "access lines also on stderr";
}

TEST_F(AccessLogTest, JsonFormatHasOneObjectPerRequest) {
  ASSERT_NO_FATAL_FAILURE(start("json"));
  ASSERT_NO_FATAL_FAILURE(sendRequests());
  const std::vector<std::string> lines = waitForLines(3);
  ASSERT_EQ(lines.size(), 3U) << readFile(logPath_).value_or("");
  const std::string port = std::to_string(backend_.port());
  const std::string time = R"("time":"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")";
  const std::regex expected[] = {
      std::regex("^\\{" + time + ",\"client\":\"127\\.0\\.0\\.1\",\"method\":\"GET\",\"path\":\"/" +
                 port + "/x\\?q=1\",\"status\":200,\"bytes\":" + std::to_string(bytes_[0]) +
                 ",\"backend\":" + port +
                 ",\"duration_ms\":[0-9.]+,\"referer\":\"http://ref\\.test/\","
                 "\"user_agent\":\"itest-agent/1\\.0\"\\}$"),
      std::regex("^\\{" + time +
                 ",\"client\":\"127\\.0\\.0\\.1\",\"method\":\"GET\",\"path\":\"/1000/y\","
                 "\"status\":403,\"bytes\":" +
                 std::to_string(bytes_[1]) +
                 ",\"backend\":0,\"duration_ms\":[0-9.]+,\"referer\":\"\",\"user_agent\":\"\"\\}$"),
      std::regex("^\\{" + time +
                 ",\"client\":\"127\\.0\\.0\\.1\",\"method\":\"GET\",\"path\":\"/z\","
                 "\"status\":200,\"bytes\":" +
                 std::to_string(bytes_[2]) + ",\"backend\":" + port +
                 ",\"duration_ms\":[0-9.]+,\"referer\":\"\",\"user_agent\":\"\"\\}$"),
  };
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(std::regex_match(lines[i], expected[i])) << "line " << i << ": " << lines[i];
  }
}

TEST_F(AccessLogTest, JsonEscapesClientText) {
  // A client must not be able to forge log fields or lines.
  ASSERT_NO_FATAL_FAILURE(start("json"));
  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  ASSERT_TRUE(
      client.exchange(getRequest("/e", "User-Agent: a\"b\\c\",\"status\":999\r\n")).complete);
  const std::vector<std::string> lines = waitForLines(1);
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_NE(lines[0].find(R"("user_agent":"a\"b\\c\",\"status\":999")"), std::string::npos)
      << lines[0];
}

TEST_F(AccessLogTest, StderrByDefaultAndOffWhenAsked) {
  ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(cert_, backend_.port())));
  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(client.exchange(getRequest("/to-stderr")).complete);
  EXPECT_TRUE(gate().waitForLog(std::regex("\"GET /to-stderr HTTP/1\\.1\" 200 "), Millis{3000}));
  gate_.reset();

  TempDir other;
  GateProcess quiet(other,
                    standardGateYaml(cert_, backend_.port(), "", "log:\n  access: \"off\"\n"));
  ASSERT_TRUE(quiet.ready()) << quiet.startError();
  Client second = Client::tls(quiet.port(0));
  ASSERT_TRUE(second.exchange(getRequest("/silent")).complete);
  ASSERT_TRUE(second.exchange(getRequest("/silent2")).complete);
  EXPECT_EQ(quiet.countLog(std::regex("/silent")), 0U) << quiet.log();
}

}  // namespace
}  // namespace httpgate::test
