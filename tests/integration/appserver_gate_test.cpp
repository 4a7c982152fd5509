// The notes application behind the real gate over TLS: the first page on
// routes.default opens a session, whose pages then live under
// https://gate.test/<port>/<sesid>~/; when the session times out the gate
// answers 410 (a URL with '~') or 502.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/support/app_process.h"
#include "tests/support/client.h"
#include "tests/support/files.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"

namespace httpgate::test {
namespace {

class AppserverGateTest : public GateTest {
 protected:
  void start(std::vector<std::string> args = {}) {
    app_ = std::make_unique<AppProcess>(HTTPGATE_NOTES_APP, std::move(args));
    ASSERT_TRUE(app_->ready()) << app_->log();
    // The void page: what the gate shows for a session URL whose port is
    // gone (410).
    const std::string page = dir_.file("void.html");
    writeFile(page, "<html><body>Your session has expired.</body></html>\n");
    ASSERT_NO_FATAL_FAILURE(
        startGate(standardGateYaml(cert_, app_->port(), "", "void_page: \"" + page + "\"\n")));
  }

  void TearDown() override {
    if (HasFailure() && app_) {
      std::cerr << "---- app stderr ----\n" << app_->log() << "---- end ----\n";
    }
    GateTest::TearDown();
  }

  SessionUrl open() {
    Client client = Client::tls(tlsPort());
    EXPECT_TRUE(client.connected()) << client.error();
    const HttpResponse response = client.exchange(getRequest("/"));
    EXPECT_EQ(response.status, 303) << response.describe();
    const std::string location = response.field("Location").value_or("");
    EXPECT_EQ(location.rfind("https://gate.test/", 0), 0U) << location;
    std::optional<SessionUrl> url = parseSessionUrl(location);
    EXPECT_TRUE(url.has_value()) << response.describe();
    return url.value_or(SessionUrl{});
  }

  std::unique_ptr<AppProcess> app_;
};

TEST_F(AppserverGateTest, SessionPagesThroughTheGateKeepState) {
  ASSERT_NO_FATAL_FAILURE(start());
  const SessionUrl url = open();
  ASSERT_NE(url.port, 0);
  EXPECT_EQ(url.prefix, "/" + std::to_string(url.port) + "/" + url.id + "~");

  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const HttpResponse page = client.exchange(getRequest(url.prefix + "/"));
  EXPECT_EQ(page.status, 200) << page.describe();
  EXPECT_NE(page.body.find("<base href=\"https://gate.test" + url.prefix + "/\">"),
            std::string::npos)
      << page.body;
  EXPECT_NE(page.body.find("through httpgate"), std::string::npos) << page.body;

  const HttpResponse added =
      client.exchange(postRequest(url.prefix + "/", "action=add&text=from+the+gate",
                                  "Content-Type: application/x-www-form-urlencoded\r\n"));
  EXPECT_EQ(added.status, 303) << added.describe();
  EXPECT_EQ(added.field("Location").value_or(""), "https://gate.test" + url.prefix + "/");
  const HttpResponse summary = client.exchange(getRequest(url.prefix + "/summary"));
  EXPECT_EQ(summary.status, 200) << summary.describe();
  EXPECT_NE(summary.body.find("1 notes"), std::string::npos) << summary.body;
  const HttpResponse notes = client.exchange(getRequest(url.prefix + "/"));
  EXPECT_NE(notes.body.find(">from the gate<"), std::string::npos) << notes.body;
}

TEST_F(AppserverGateTest, TwoBrowsersThroughTheGateGetTwoSessions) {
  ASSERT_NO_FATAL_FAILURE(start());
  const SessionUrl one = open();
  const SessionUrl two = open();
  EXPECT_NE(one.port, two.port);
  Client client = Client::tls(tlsPort());
  // The second session's port with the first one's id.
  const HttpResponse crossed =
      client.exchange(getRequest("/" + std::to_string(two.port) + "/" + one.id + "~/"));
  EXPECT_EQ(crossed.status, 403) << crossed.describe();
}

TEST_F(AppserverGateTest, IdleSessionEndsAndTheGateAnswers410Or502) {
  ASSERT_NO_FATAL_FAILURE(start({"--timeout", "1"}));
  const SessionUrl url = open();
  ASSERT_NE(url.port, 0);
  {
    Client client = Client::tls(tlsPort());
    EXPECT_EQ(client.exchange(getRequest(url.prefix + "/")).status, 200);
  }
  const std::regex ended("session on port " + std::to_string(url.port) +
                         " \\(pid [0-9]+\\) ended: idle timeout");
  ASSERT_TRUE(app_->err().waitForLine(ended, Millis{15'000}).has_value()) << app_->log();

  Client client = Client::tls(tlsPort());
  // At once, on the connection the gate may still hold to the ended child:
  // the child closed its listening socket before its connections, so the
  // gate's retry on a fresh connection is refused, and a session URL gets
  // the void page; a URL without '~' gets 502.
  const HttpResponse gone = client.exchange(getRequest(url.prefix + "/"));
  EXPECT_EQ(gone.status, 410) << gone.describe();
  const HttpResponse noSession =
      client.exchange(getRequest("/" + std::to_string(url.port) + "/summary"));
  EXPECT_EQ(noSession.status, 502) << noSession.describe();
  EXPECT_NE(gone.body.find("Your session has expired."), std::string::npos) << gone.body;
}

}  // namespace
}  // namespace httpgate::test
