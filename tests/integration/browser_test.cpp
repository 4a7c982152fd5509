// A real browser through the gate: headless chromium loads the example
// application's first page over TLS, follows its redirect to the session's
// own port (https://host/<port>/<sesid>~/), and the page it renders comes
// from the session child. A second load of a session URL that adds a note
// shows the note: the state lives in that process. Chromium speaks HTTP/2
// to the gate all along. Skipped with a clear
// message when chromium is not installed (the README's test command
// installs it).
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>
#include <string>
#include <vector>

#include "tests/support/app_process.h"
#include "tests/support/child_process.h"
#include "tests/support/chromium.h"
#include "tests/support/dead_ports.h"
#include "tests/support/files.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"

namespace httpgate::test {
namespace {

class BrowserTest : public GateTest {
 protected:
  void SetUp() override {
    GateTest::SetUp();
    chromium_ = chromiumPath();
    if (chromium_.empty()) {
      GTEST_SKIP() << "chromium is not installed (apt-get install chromium); "
                      "the headless-browser test needs it";
    }
    profile_ = dir_.file("chromium-profile");
  }

  void TearDown() override {
    if (!profile_.empty()) {
      killProcessesWith(profile_);
    }
    GateTest::TearDown();
  }

  // The DOM chromium rendered for `url`, after redirects; with
  // `waitForScripts`, also after what the page's scripts navigate to.
  std::string dumpDom(const std::string& url, bool waitForScripts = false) {
    std::vector<std::string> argv = headlessChromium(chromium_, profile_);
    if (waitForScripts) {
      argv.push_back("--virtual-time-budget=10000");
    }
    argv.push_back("--dump-dom");
    argv.push_back(url);
    const RunResult result = runProcess(argv, Millis{90'000});
    EXPECT_EQ(result.exitCode, 0) << result.err;
    return result.out;
  }

  std::string chromium_;
  std::string profile_;
};

TEST_F(BrowserTest, TheExampleAppWorksThroughTheGateInABrowser) {
  AppProcess app(HTTPGATE_NOTES_APP, {});
  ASSERT_TRUE(app.ready()) << app.log();
  ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(cert_, app.port())));
  const std::string gate = "https://127.0.0.1:" + std::to_string(tlsPort());

  // The first page: chromium follows the 303 to the session's own port.
  const std::string first = dumpDom(gate + "/");
  std::smatch base;
  const std::regex baseHref("<base href=\"(" + gate + "/([0-9]+)/([0-9a-f]{32})~/)\">");
  ASSERT_TRUE(std::regex_search(first, base, baseHref)) << first;
  const std::string sessionUrl = base[1];
  const std::string sessionPort = base[2];
  EXPECT_NE(sessionPort, std::to_string(app.port())) << "the session has a port of its own";
  std::smatch served;
  const std::regex servedBy("Session served by pid ([0-9]+) on port ([0-9]+)");
  ASSERT_TRUE(std::regex_search(first, served, servedBy)) << first;
  EXPECT_EQ(served[2].str(), sessionPort);
  EXPECT_NE(served[1].str(), std::to_string(app.pid())) << "served by a child, not the parent";
  const std::string sessionPid = served[1];

  // A form posted by the browser to the session URL adds a note ...
  const std::string form = dir_.file("post.html");
  writeFile(form, "<form method=\"post\" action=\"" + sessionUrl +
                      "\"><input name=\"action\" value=\"add\">"
                      "<input name=\"text\" value=\"noted by chromium\"></form>"
                      "<script>document.forms[0].submit()</script>");
  const std::string posted = dumpDom("file://" + form, true);
  EXPECT_NE(posted.find("noted by chromium"), std::string::npos) << posted;

  // ... which the session's process keeps for the next page load.
  const std::string again = dumpDom(sessionUrl);
  EXPECT_NE(again.find("noted by chromium"), std::string::npos) << again;
  ASSERT_TRUE(std::regex_search(again, served, servedBy)) << again;
  EXPECT_EQ(served[1].str(), sessionPid);

  // Chromium chose HTTP/2 (ALPN h2) for all of it: the gate's access log
  // names the protocol of every request.
  EXPECT_TRUE(GateTest::gate().waitForLog(std::regex("\"GET / HTTP/2\\.0\" 303 "), kIoTimeout))
      << GateTest::gate().log();
  EXPECT_TRUE(GateTest::gate().waitForLog(
      std::regex("\"POST /" + sessionPort + "/[0-9a-f]{32}~/ HTTP/2\\.0\" "), kIoTimeout))
      << GateTest::gate().log();
  EXPECT_FALSE(std::regex_search(GateTest::gate().log(), std::regex(" HTTP/1\\.[01]\" ")))
      << "a request over HTTP/1.x:\n"
      << GateTest::gate().log();
}

}  // namespace
}  // namespace httpgate::test
