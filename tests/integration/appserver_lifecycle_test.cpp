// The app-server parent's life: the session cap (503 from the parent),
// SIGHUP re-executing a replaced binary while running sessions keep the old
// code, TERM ending the sessions, and retirement.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <memory>
#include <regex>
#include <string>

#include "tests/support/app_process.h"
#include "tests/support/app_session.h"
#include "tests/support/client.h"
#include "tests/support/dead_ports.h"
#include "tests/support/files.h"
#include "tests/support/sockets.h"
#include "tests/support/temp_dir.h"

namespace httpgate::test {
namespace {

TEST(AppserverLifecycleTest, SessionCapIsAnswered503ByTheParent) {
  AppProcess app(HTTPGATE_NOTES_APP, {"--max-sessions", "1"});
  ASSERT_TRUE(app.ready()) << app.log();
  const SessionUrl first = openSession(app.port());
  ASSERT_NE(first.port, 0) << app.log();

  Client client = Client::plain(app.port());
  const HttpResponse refused = client.exchange(getRequest("/"));
  EXPECT_EQ(refused.status, 503) << refused.describe();
  EXPECT_TRUE(refused.announcesClose()) << refused.describe();
  EXPECT_TRUE(client.waitClosed());
  // The running session is untouched.
  Client session = Client::plain(first.port);
  EXPECT_EQ(session.exchange(getRequest(first.prefix + "/summary")).status, 200);
}

TEST(AppserverLifecycleTest, AnExhaustedSessionPortRangeIs503) {
  const uint16_t only = refusingPort();
  const std::string range = std::to_string(only) + "-" + std::to_string(only);
  AppProcess app(HTTPGATE_NOTES_APP, {"--session-ports", range});
  ASSERT_TRUE(app.ready()) << app.log();
  const SessionUrl first = openSession(app.port());
  ASSERT_EQ(first.port, only) << app.log();

  Client client = Client::plain(app.port());
  const HttpResponse refused = client.exchange(getRequest("/"));
  EXPECT_EQ(refused.status, 503) << refused.describe();
  EXPECT_TRUE(app.err().waitForLine(std::regex("no free session port in " + range), Millis{5000}))
      << app.log();
  Client session = Client::plain(first.port);
  EXPECT_EQ(session.exchange(getRequest(first.prefix + "/summary")).status, 200);
}

TEST(AppserverLifecycleTest, ChunkedBodiesAndTheBodyLimit) {
  AppProcess app(HTTPGATE_NOTES_APP, {});
  ASSERT_TRUE(app.ready()) << app.log();
  const SessionUrl url = openSession(app.port());
  ASSERT_NE(url.port, 0) << app.log();
  Client client = Client::plain(url.port);
  // A chunked form post adds a note (and is answered 303 to the notes).
  const std::string body = "action=add&text=chunked+note";
  char restSize[16];
  std::snprintf(restSize, sizeof restSize, "%zx", body.size() - 5);  // chunk sizes are hex
  const HttpResponse added =
      client.exchange("POST " + url.prefix +
                      "/ HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                      "Content-Type: application/x-www-form-urlencoded\r\n\r\n" +
                      std::string("5\r\n") + body.substr(0, 5) + "\r\n" + restSize + "\r\n" +
                      body.substr(5) + "\r\n0\r\n\r\n");
  EXPECT_EQ(added.status, 303) << added.describe();
  const HttpResponse page = client.exchange(getRequest(url.prefix + "/"));
  EXPECT_NE(page.body.find("chunked note"), std::string::npos) << page.body;
  // Past the body limit (16 MiB by default): 413, and the connection closes.
  const HttpResponse tooLarge = client.exchange(
      "POST " + url.prefix + "/ HTTP/1.1\r\nHost: t\r\nContent-Length: 17000000\r\n\r\n");
  EXPECT_EQ(tooLarge.status, 413) << tooLarge.describe();
  EXPECT_TRUE(client.waitClosed());
}

TEST(AppserverLifecycleTest, SilentClientsDoNotStallTheParent) {
  AppProcess app(HTTPGATE_NOTES_APP, {"--max-sessions", "1"});
  ASSERT_TRUE(app.ready()) << app.log();
  // Takes the one session slot and never sends a request.
  Client silent = Client::plain(app.port());
  ASSERT_TRUE(silent.connected());
  // Connections past the cap are refused at once, the parent never reads
  // from them and never waits on them.
  std::vector<Client> idle;
  for (int i = 0; i < 5; ++i) {
    idle.push_back(Client::plain(app.port()));
  }
  Client client = Client::plain(app.port());
  const HttpResponse refused = client.exchange(getRequest("/"));
  EXPECT_EQ(refused.status, 503) << refused.describe();
}

TEST(AppserverLifecycleTest, HupRunsTheNewBinaryForNewSessionsOnly) {
  TempDir dir;
  const std::string binary = dir.file("notes-app");
  ASSERT_NO_FATAL_FAILURE(copyExecutable(HTTPGATE_NOTES_APP, binary));
  AppProcess app(binary, {});
  ASSERT_TRUE(app.ready()) << app.log();
  const SessionUrl old = openSession(app.port());
  ASSERT_NE(old.port, 0) << app.log();
  Client oldClient = Client::plain(old.port);
  const HttpResponse before = oldClient.exchange(getRequest(old.prefix + "/summary"));
  EXPECT_NE(before.body.find("build 1."), std::string::npos) << before.body;

  // Replaced as a package upgrade does it: a new file renamed over the old.
  ASSERT_NO_FATAL_FAILURE(copyExecutable(HTTPGATE_NOTES_APP_NEXT, binary + ".new"));
  ASSERT_EQ(std::rename((binary + ".new").c_str(), binary.c_str()), 0);
  const size_t mark = app.err().size();
  app.sendSignal(SIGHUP);
  ASSERT_TRUE(app.err()
                  .waitForLine(std::regex("listening on .*adopted from the previous image"),
                               Millis{10'000}, mark)
                  .has_value())
      << app.log();
  EXPECT_TRUE(
      app.err()
          .waitForLine(std::regex("1 sessions of the previous image continue"), Millis{5000}, mark)
          .has_value())
      << app.log();

  const HttpResponse still = oldClient.exchange(getRequest(old.prefix + "/summary"));
  EXPECT_EQ(still.status, 200) << still.describe();
  EXPECT_NE(still.body.find("build 1."), std::string::npos) << still.body;
  const SessionUrl fresh = openSession(app.port());
  ASSERT_NE(fresh.port, 0) << app.log();
  Client freshClient = Client::plain(fresh.port);
  const HttpResponse next = freshClient.exchange(getRequest(fresh.prefix + "/summary"));
  EXPECT_NE(next.body.find("build next."), std::string::npos) << next.body;

  // The new image still counts and ends the old image's session.
  app.sendSignal(SIGTERM);
  EXPECT_EQ(app.waitExit(Millis{15'000}), std::optional<int>(0)) << app.log();
  EXPECT_FALSE(connectTcp("127.0.0.1", old.port, Millis{1000}).valid());
  EXPECT_FALSE(connectTcp("127.0.0.1", fresh.port, Millis{1000}).valid());
}

TEST(AppserverLifecycleTest, TermEndsTheSessionsAndTheParent) {
  AppProcess app(HTTPGATE_NOTES_APP, {});
  ASSERT_TRUE(app.ready()) << app.log();
  const SessionUrl url = openSession(app.port());
  ASSERT_NE(url.port, 0);
  app.sendSignal(SIGTERM);
  EXPECT_EQ(app.waitExit(Millis{15'000}), std::optional<int>(0)) << app.log();
  EXPECT_FALSE(connectTcp("127.0.0.1", url.port, Millis{1000}).valid());
  EXPECT_FALSE(connectTcp("127.0.0.1", app.port(), Millis{1000}).valid());
}

TEST(AppserverLifecycleTest, RetiresAfterTheLastSessionEnds) {
  // The retire period also runs from start-up, before the first session:
  // long enough that a loaded machine still opens the session within it.
  AppProcess app(HTTPGATE_NOTES_APP, {"--timeout", "0.5", "--retire", "3"});
  ASSERT_TRUE(app.ready()) << app.log();
  const SessionUrl url = openSession(app.port());
  ASSERT_NE(url.port, 0) << app.log();
  EXPECT_EQ(app.waitExit(Millis{15'000}), std::optional<int>(0)) << app.log();
  // The reader thread may still be taking the last line from the pipe.
  EXPECT_TRUE(app.err().waitForLine(std::regex("retiring"), Millis{3000}).has_value()) << app.log();
}

TEST(AppserverLifecycleTest, BadCommandLineIsAClearError) {
  const RunResult result =
      runProcess({HTTPGATE_NOTES_APP, "--session-ports", "50000-40000"}, Millis{5000});
  EXPECT_EQ(result.exitCode, std::optional<int>(2));
  EXPECT_NE(result.err.find("FIRST is above LAST"), std::string::npos) << result.err;
  const RunResult address =
      runProcess({HTTPGATE_NOTES_APP, "--port", "0", "--address", "not-an-ip"}, Millis{5000});
  EXPECT_EQ(address.exitCode, std::optional<int>(1));
  EXPECT_NE(address.err.find("is not an IPv4 or IPv6 address"), std::string::npos) << address.err;
}

}  // namespace
}  // namespace httpgate::test
