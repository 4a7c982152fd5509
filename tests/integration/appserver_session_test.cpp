// The app-server library started directly (no gate): the example notes
// application as a real binary. The first request on the parent's port
// opens a session on a port of its own; the session keeps its state, is
// private to its client, and refuses requests without its id.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/support/app_process.h"
#include "tests/support/client.h"

namespace httpgate::test {
namespace {

std::string formPost(std::string_view target, std::string_view body,
                     std::string_view extraFields = "") {
  return postRequest(target, body,
                     std::string("Content-Type: application/x-www-form-urlencoded\r\n") +
                         std::string(extraFields));
}

class AppserverSessionTest : public ::testing::Test {
 protected:
  void start(std::vector<std::string> args = {}) {
    app_ = std::make_unique<AppProcess>(HTTPGATE_NOTES_APP, std::move(args));
    ASSERT_TRUE(app_->ready()) << app_->log();
  }

  void TearDown() override {
    if (HasFailure() && app_) {
      std::cerr << "---- app stderr ----\n" << app_->log() << "---- end ----\n";
    }
  }

  // Opens a session with GET / on the parent's port; `extraFields` go with
  // the request.
  SessionUrl open(std::string_view extraFields = "") {
    Client client = Client::plain(app_->port());
    EXPECT_TRUE(client.connected()) << client.error();
    const HttpResponse response = client.exchange(getRequest("/", extraFields));
    EXPECT_EQ(response.status, 303) << response.describe();
    // The parent's port is pooled by the gate: the session's first answer
    // must not leave that connection open.
    EXPECT_TRUE(response.announcesClose()) << response.describe();
    EXPECT_TRUE(client.waitClosed());
    std::optional<SessionUrl> url = parseSessionUrl(response.field("Location").value_or(""));
    EXPECT_TRUE(url.has_value()) << response.describe();
    return url.value_or(SessionUrl{});
  }

  std::unique_ptr<AppProcess> app_;
};

TEST_F(AppserverSessionTest, FirstRequestOpensASessionOnItsOwnPort) {
  ASSERT_NO_FATAL_FAILURE(start());
  const SessionUrl url = open();
  ASSERT_NE(url.port, 0);
  EXPECT_NE(url.port, app_->port());
  EXPECT_EQ(url.prefix, "/" + url.id + "~");

  Client client = Client::plain(url.port);
  ASSERT_TRUE(client.connected()) << client.error();
  const HttpResponse page = client.exchange(getRequest(url.prefix + "/"));
  EXPECT_EQ(page.status, 200) << page.describe();
  EXPECT_NE(page.body.find("<base href=\"http://gate.test:" + std::to_string(url.port) + "/" +
                           url.id + "~/\">"),
            std::string::npos)
      << page.body;
  EXPECT_NE(page.body.find("No notes yet"), std::string::npos) << page.body;
  EXPECT_FALSE(page.announcesClose()) << page.describe();
}

TEST_F(AppserverSessionTest, StateIsKeptAcrossRequestsAndConnections) {
  ASSERT_NO_FATAL_FAILURE(start());
  const SessionUrl url = open();
  Client first = Client::plain(url.port);
  Client second = Client::plain(url.port);  // a browser opens several
  ASSERT_TRUE(first.connected() && second.connected());

  const HttpResponse added = first.exchange(formPost(url.prefix + "/", "action=add&text=buy+milk"));
  EXPECT_EQ(added.status, 303) << added.describe();
  const HttpResponse again =
      second.exchange(formPost(url.prefix + "/", "action=add&text=call%20Bob"));
  EXPECT_EQ(again.status, 303) << again.describe();

  const HttpResponse page = first.exchange(getRequest(url.prefix + "/"));
  EXPECT_NE(page.body.find(">buy milk<"), std::string::npos) << page.body;
  EXPECT_NE(page.body.find(">call Bob<"), std::string::npos) << page.body;
  const HttpResponse summary = second.exchange(getRequest(url.prefix + "/summary"));
  EXPECT_EQ(summary.status, 200) << summary.describe();
  EXPECT_NE(summary.body.find("2 notes, 16 characters"), std::string::npos) << summary.body;

  const HttpResponse deleted = second.exchange(formPost(url.prefix + "/", "action=delete&id=1"));
  EXPECT_EQ(deleted.status, 303) << deleted.describe();
  const HttpResponse after = first.exchange(getRequest(url.prefix + "/summary"));
  EXPECT_NE(after.body.find("1 notes"), std::string::npos) << after.body;
}

TEST_F(AppserverSessionTest, TwoClientsGetTwoSessionsThatDoNotShareState) {
  ASSERT_NO_FATAL_FAILURE(start());
  const SessionUrl alice = open();
  const SessionUrl bob = open();
  ASSERT_NE(alice.port, 0);
  ASSERT_NE(bob.port, 0);
  EXPECT_NE(alice.port, bob.port);
  EXPECT_NE(alice.id, bob.id);

  Client aliceClient = Client::plain(alice.port);
  EXPECT_EQ(aliceClient.exchange(formPost(alice.prefix + "/", "action=add&text=secret")).status,
            303);
  Client bobClient = Client::plain(bob.port);
  const HttpResponse bobPage = bobClient.exchange(getRequest(bob.prefix + "/"));
  EXPECT_EQ(bobPage.status, 200) << bobPage.describe();
  EXPECT_EQ(bobPage.body.find("secret"), std::string::npos) << bobPage.body;
  // Alice's id does not open Bob's session either.
  const HttpResponse crossed = bobClient.exchange(getRequest(alice.prefix + "/"));
  EXPECT_EQ(crossed.status, 403) << crossed.describe();
}

TEST_F(AppserverSessionTest, MissingOrWrongSessionIdIsForbidden) {
  ASSERT_NO_FATAL_FAILURE(start());
  const SessionUrl url = open();
  Client client = Client::plain(url.port);
  ASSERT_TRUE(client.connected());
  for (const std::string& target : std::vector<std::string>{
           "/", "/summary", "/" + std::string(32, '0') + "~/", "/" + url.id + "/", "/x~/"}) {
    const HttpResponse response = client.exchange(getRequest(target));
    EXPECT_EQ(response.status, 403) << target << "\n" << response.describe();
  }
  // The session is still there for its own URL.
  EXPECT_EQ(client.exchange(getRequest(url.prefix + "/summary")).status, 200);
}

TEST_F(AppserverSessionTest, HeadGetsTheHeadOnly) {
  ASSERT_NO_FATAL_FAILURE(start());
  const SessionUrl url = open();
  Client client = Client::plain(url.port);
  const std::string head = "HEAD " + url.prefix + "/ HTTP/1.1\r\nHost: gate.test\r\n\r\n";
  const HttpResponse response = client.exchange(head, true);
  EXPECT_EQ(response.status, 200) << response.describe();
  EXPECT_NE(response.field("Content-Length").value_or("0"), "0") << response.describe();
  // The connection is still in step: the next answer is read cleanly.
  EXPECT_EQ(client.exchange(getRequest(url.prefix + "/")).status, 200);
}

TEST_F(AppserverSessionTest, MalformedRequestIsAnswered400AndClosed) {
  ASSERT_NO_FATAL_FAILURE(start());
  const SessionUrl url = open();
  Client client = Client::plain(url.port);
  const HttpResponse response =
      client.exchange("GET " + url.prefix + "/ HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  EXPECT_EQ(response.status, 400) << response.describe();
  EXPECT_TRUE(response.announcesClose()) << response.describe();
  EXPECT_TRUE(client.waitClosed());
}

TEST_F(AppserverSessionTest, OversizedHeadIsAnswered431) {
  ASSERT_NO_FATAL_FAILURE(start());
  const SessionUrl url = open();
  Client client = Client::plain(url.port);
  const std::string big = "X-Big: " + std::string(20'000, 'x') + "\r\n";
  const HttpResponse response = client.exchange(getRequest(url.prefix + "/", big));
  EXPECT_EQ(response.status, 431) << response.describe();
  EXPECT_TRUE(response.announcesClose());
}

TEST_F(AppserverSessionTest, CheckClientAddressRefusesAnotherAddress) {
  ASSERT_NO_FATAL_FAILURE(start({"--check-address"}));
  const SessionUrl url = open();  // from 127.0.0.1, no X-Pil
  Client client = Client::plain(url.port);
  EXPECT_EQ(client.exchange(getRequest(url.prefix + "/")).status, 200);
  // The same session from another client address, as the gate would say it.
  const HttpResponse other = client.exchange(
      getRequest(url.prefix + "/", "X-Pil: *Gate=https\r\nX-Pil: *Adr=192.0.2.7\r\n"));
  EXPECT_EQ(other.status, 403) << other.describe();
  EXPECT_NE(other.body.find("another client address"), std::string::npos) << other.body;
  EXPECT_EQ(client.exchange(getRequest(url.prefix + "/summary")).status, 200);
}

TEST_F(AppserverSessionTest, CheckClientAddressUsesTheGatesAddress) {
  ASSERT_NO_FATAL_FAILURE(start({"--check-address"}));
  // Opened through "the gate" for 192.0.2.7: the loopback peer is trusted.
  const SessionUrl url = open("X-Pil: *Gate=http\r\nX-Pil: *Adr=192.0.2.7\r\n");
  ASSERT_NE(url.port, 0);
  // The Location names the gate's URL ("/<port>/<sesid>~/"); on the session
  // port itself the path starts with the id.
  EXPECT_EQ(url.prefix, "/" + std::to_string(url.port) + "/" + url.id + "~");
  const std::string prefix = "/" + url.id + "~";
  Client client = Client::plain(url.port);
  const std::string same = "X-Pil: *Gate=http\r\nX-Pil: *Adr=192.0.2.7\r\n";
  EXPECT_EQ(client.exchange(getRequest(prefix + "/", same)).status, 200);
  EXPECT_EQ(client.exchange(getRequest(prefix + "/")).status, 403);  // 127.0.0.1
  const HttpResponse forwarded = client.exchange(getRequest(prefix + "/",
                                                            "X-Forwarded-For: 198.51.100.1\r\n"
                                                            "X-Forwarded-Proto: http\r\n"));
  EXPECT_EQ(forwarded.status, 403) << forwarded.describe();
}

TEST_F(AppserverSessionTest, WithoutCheckAnotherAddressIsServed) {
  ASSERT_NO_FATAL_FAILURE(start());
  const SessionUrl url = open();
  Client client = Client::plain(url.port);
  const HttpResponse other = client.exchange(
      getRequest(url.prefix + "/", "X-Pil: *Gate=https\r\nX-Pil: *Adr=192.0.2.7\r\n"));
  EXPECT_EQ(other.status, 200) << other.describe();
}

TEST_F(AppserverSessionTest, FailedFirstRequestOpensNoSession) {
  ASSERT_NO_FATAL_FAILURE(start());
  Client client = Client::plain(app_->port());
  const HttpResponse response = client.exchange(getRequest("/favicon.ico"));
  EXPECT_EQ(response.status, 404) << response.describe();
  EXPECT_TRUE(response.announcesClose());
  // Its child ended without logging a session: the next one still works.
  const SessionUrl url = open();
  EXPECT_NE(url.port, 0);
  // The reader thread may not have the line yet: wait for it, then count.
  const std::regex opened("appserver: session on port");
  EXPECT_TRUE(app_->err().waitForCount(opened, 1, Millis{5000})) << app_->log();
  EXPECT_EQ(app_->err().countLines(opened), 1U) << app_->log();
}

}  // namespace
}  // namespace httpgate::test
