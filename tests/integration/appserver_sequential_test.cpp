// The app-server's sequential model (the notes app's --model sequential):
// one process serves every session on the app's own port, sessions kept as
// objects keyed by id. What sets it apart from the process models: no
// child process at all, keep-alive from the first request on, several
// sessions over one connection, and its own log lines (a serial number per
// session, never the id).
#include <gtest/gtest.h>

#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "tests/support/app_process.h"
#include "tests/support/app_session.h"
#include "tests/support/client.h"
#include "tests/support/proc_info.h"

namespace httpgate::test {
namespace {

std::string formPost(std::string_view target, std::string_view body) {
  return postRequest(target, body, "Content-Type: application/x-www-form-urlencoded\r\n");
}

class AppserverSequentialTest : public ::testing::Test {
 protected:
  void start(std::vector<std::string> args = {}) {
    args.insert(args.begin(), {"--model", "sequential"});
    app_ = std::make_unique<AppProcess>(HTTPGATE_NOTES_APP, std::move(args));
    ASSERT_TRUE(app_->ready()) << app_->log();
  }

  void TearDown() override {
    if (HasFailure() && app_) {
      std::cerr << "---- app stderr ----\n" << app_->log() << "---- end ----\n";
    }
  }

  // GET / on `client`'s connection: a 303 to a new session on the app's port.
  SessionUrl open(Client& client) {
    const HttpResponse response = client.exchange(getRequest("/"));
    EXPECT_EQ(response.status, 303) << response.describe();
    const std::optional<SessionUrl> url = parseSessionUrl(response.field("Location").value_or(""));
    EXPECT_TRUE(url.has_value()) << response.describe();
    if (url) {
      EXPECT_EQ(url->port, app_->port());
    }
    return url.value_or(SessionUrl{});
  }

  std::unique_ptr<AppProcess> app_;
};

TEST_F(AppserverSequentialTest, EverySessionIsServedByTheOneProcess) {
  ASSERT_NO_FATAL_FAILURE(start());
  EXPECT_TRUE(
      app_->err().waitForLine(std::regex("model sequential: every session in this process \\(pid " +
                                         std::to_string(app_->pid()) + "\\)"),
                              Millis{5000}));
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    const SessionUrl url = openSession(app_->port());
    ASSERT_EQ(url.port, app_->port());
    ids.push_back(url.id);
    Client client = Client::plain(url.port);
    const HttpResponse page = client.exchange(getRequest(url.prefix + "/"));
    EXPECT_EQ(page.status, 200) << page.describe();
    const std::optional<ServedBy> served = servedBy(page.body);
    ASSERT_TRUE(served.has_value()) << page.body;
    EXPECT_EQ(served->pid, app_->pid());
    EXPECT_EQ(served->port, app_->port());
  }
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 3U);
  EXPECT_TRUE(childrenOf(app_->pid()).empty());

  // "session S opened for ADDR": a serial number each, never the id.
  const std::regex opened(R"(session ([0-9]+) opened for 127\.0\.0\.1)");
  ASSERT_TRUE(app_->err().waitForCount(opened, 3, Millis{5000}));
  std::set<std::string> serials;
  for (const std::string& line : app_->err().lines()) {
    std::smatch match;
    if (std::regex_search(line, match, opened)) {
      serials.insert(match[1]);
    }
  }
  EXPECT_EQ(serials.size(), 3U);
  for (const std::string& id : ids) {
    EXPECT_EQ(app_->log().find(id), std::string::npos) << "the log names session id " << id;
  }
}

TEST_F(AppserverSequentialTest, KeepAliveFromTheFirstRequestOn) {
  ASSERT_NO_FATAL_FAILURE(start());
  Client client = Client::plain(app_->port());
  ASSERT_TRUE(client.connected()) << client.error();
  const HttpResponse first = client.exchange(getRequest("/"));
  EXPECT_EQ(first.status, 303) << first.describe();
  EXPECT_FALSE(first.announcesClose()) << first.describe();
  const std::optional<SessionUrl> url = parseSessionUrl(first.field("Location").value_or(""));
  ASSERT_TRUE(url.has_value()) << first.describe();

  // The same connection carries on with the session's pages.
  const HttpResponse page = client.exchange(getRequest(url->prefix + "/"));
  EXPECT_EQ(page.status, 200) << page.describe();
  EXPECT_FALSE(page.announcesClose());
  EXPECT_EQ(client.exchange(formPost(url->prefix + "/", "action=add&text=kept")).status, 303);
  const HttpResponse summary = client.exchange(getRequest(url->prefix + "/summary"));
  EXPECT_NE(summary.body.find("1 notes, 4 characters"), std::string::npos) << summary.body;
  EXPECT_FALSE(summary.announcesClose());
}

TEST_F(AppserverSequentialTest, TwoSessionsOverOneConnectionStayApart) {
  ASSERT_NO_FATAL_FAILURE(start());
  Client client = Client::plain(app_->port());
  ASSERT_TRUE(client.connected()) << client.error();
  const SessionUrl one = open(client);
  const SessionUrl two = open(client);
  ASSERT_NE(one.port, 0);
  ASSERT_NE(two.port, 0);
  EXPECT_NE(one.id, two.id);

  EXPECT_EQ(client.exchange(formPost(one.prefix + "/", "action=add&text=first")).status, 303);
  EXPECT_EQ(client.exchange(formPost(two.prefix + "/", "action=add&text=second")).status, 303);
  EXPECT_EQ(client.exchange(formPost(two.prefix + "/", "action=add&text=third")).status, 303);
  const HttpResponse pageOne = client.exchange(getRequest(one.prefix + "/"));
  EXPECT_NE(pageOne.body.find(">first<"), std::string::npos) << pageOne.body;
  EXPECT_EQ(pageOne.body.find("second"), std::string::npos) << pageOne.body;
  const HttpResponse summaryTwo = client.exchange(getRequest(two.prefix + "/summary"));
  EXPECT_NE(summaryTwo.body.find("2 notes, 11 characters"), std::string::npos) << summaryTwo.body;
  // A session's id on its own: the other session's form does not reach it.
  EXPECT_EQ(client.exchange(formPost(one.prefix + "/", "action=delete&id=1")).status, 303);
  const HttpResponse afterDelete = client.exchange(getRequest(two.prefix + "/summary"));
  EXPECT_NE(afterDelete.body.find("2 notes"), std::string::npos) << afterDelete.body;
}

TEST_F(AppserverSequentialTest, UnknownIdsAre403OnEveryConnection) {
  ASSERT_NO_FATAL_FAILURE(start());
  Client client = Client::plain(app_->port());
  const SessionUrl url = open(client);
  ASSERT_NE(url.port, 0);
  // Before any session, and with a live one: a made-up id is no session.
  for (const std::string& id : {std::string(32, 'a'), std::string(32, '0')}) {
    const HttpResponse response = client.exchange(getRequest("/" + id + "~/summary"));
    EXPECT_EQ(response.status, 403) << response.describe();
  }
  // A 403 on a connection does not spoil it for the session.
  EXPECT_EQ(client.exchange(getRequest(url.prefix + "/summary")).status, 200);
}

TEST_F(AppserverSequentialTest, IdleSessionsExpireEach) {
  ASSERT_NO_FATAL_FAILURE(start({"--timeout", "1"}));
  const SessionUrl one = openSession(app_->port());
  const SessionUrl two = openSession(app_->port());
  ASSERT_NE(one.port, 0);
  ASSERT_NE(two.port, 0);
  const std::regex ended(R"(session ([0-9]+) ended: idle timeout)");
  ASSERT_TRUE(app_->err().waitForCount(ended, 2, Millis{15'000})) << "not both ended";
  for (const SessionUrl& url : {one, two}) {
    Client client = Client::plain(app_->port());
    const HttpResponse gone = client.exchange(getRequest(url.prefix + "/"));
    EXPECT_EQ(gone.status, 403) << gone.describe();
  }
  // The process stays and opens new sessions.
  const SessionUrl fresh = openSession(app_->port());
  EXPECT_NE(fresh.port, 0);
  EXPECT_NE(fresh.id, one.id);
}

}  // namespace
}  // namespace httpgate::test
