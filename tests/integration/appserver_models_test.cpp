// The behaviours every execution model of the app-server library keeps
// (fork, pool, sequential; the notes app's --model), run once per model on
// the notes app as a real binary: stand-alone on loopback, and behind the
// real gate with TLS. Where the models differ by design it is said: in
// fork and pool a session lives on a port of its own, in sequential on the
// app's port; HUP keeps running sessions on the old code in fork and pool,
// and loses them (403) in sequential.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/app_process.h"
#include "tests/support/app_session.h"
#include "tests/support/client.h"
#include "tests/support/files.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/poll.h"
#include "tests/support/proc_info.h"
#include "tests/support/sockets.h"
#include "tests/support/temp_dir.h"

namespace httpgate::test {
namespace {

const std::vector<std::string> kModels{"fork", "pool", "sequential"};

std::vector<std::string> withModel(const std::string& model, std::vector<std::string> args) {
  args.insert(args.begin(), {"--model", model});
  return args;
}

std::string formPost(std::string_view target, std::string_view body) {
  return postRequest(target, body, "Content-Type: application/x-www-form-urlencoded\r\n");
}

// `id` with its last digit changed: well-formed, and no session's.
std::string otherId(std::string id) {
  id.back() = id.back() == '0' ? '1' : '0';
  return id;
}

std::string modelName(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

class AppserverModelsTest : public ::testing::TestWithParam<std::string> {
 protected:
  const std::string& model() const { return GetParam(); }
  bool sequential() const { return model() == "sequential"; }

  void start(std::vector<std::string> args = {}, const std::string& binary = HTTPGATE_NOTES_APP) {
    app_ = std::make_unique<AppProcess>(binary, withModel(model(), std::move(args)));
    ASSERT_TRUE(app_->ready()) << app_->log();
  }

  void TearDown() override {
    if (HasFailure() && app_) {
      std::cerr << "---- app stderr (" << model() << ") ----\n" << app_->log() << "---- end ----\n";
    }
  }

  // A new session from `source`; its port is the app's own in sequential,
  // one of its own otherwise.
  SessionUrl open(const std::string& source = "") {
    const SessionUrl url = openSession(app_->port(), "", source);
    if (url.port != 0) {
      EXPECT_EQ(url.prefix, "/" + url.id + "~");
      if (sequential()) {
        EXPECT_EQ(url.port, app_->port());
      } else {
        EXPECT_NE(url.port, app_->port());
      }
    }
    return url;
  }

  // GET `path` inside the session on a fresh connection.
  HttpResponse get(const SessionUrl& url, std::string_view path, const std::string& source = "") {
    Client client = Client::plain(url.port, "127.0.0.1", source);
    EXPECT_TRUE(client.connected()) << client.error();
    return client.exchange(getRequest(url.prefix + std::string(path)));
  }

  std::unique_ptr<AppProcess> app_;
};

TEST_P(AppserverModelsTest, TwoClientsGetSessionsThatDoNotShareState) {
  ASSERT_NO_FATAL_FAILURE(start());
  const SessionUrl alice = open();
  const SessionUrl bob = open();
  ASSERT_NE(alice.port, 0);
  ASSERT_NE(bob.port, 0);
  EXPECT_NE(alice.id, bob.id);
  if (!sequential()) {
    EXPECT_NE(alice.port, bob.port);
  }

  Client aliceClient = Client::plain(alice.port);
  EXPECT_EQ(aliceClient.exchange(formPost(alice.prefix + "/", "action=add&text=secret")).status,
            303);
  const HttpResponse bobPage = get(bob, "/");
  EXPECT_EQ(bobPage.status, 200) << bobPage.describe();
  EXPECT_EQ(bobPage.body.find("secret"), std::string::npos) << bobPage.body;
  EXPECT_NE(bobPage.body.find("No notes yet"), std::string::npos) << bobPage.body;
  const HttpResponse alicePage = aliceClient.exchange(getRequest(alice.prefix + "/"));
  EXPECT_NE(alicePage.body.find(">secret<"), std::string::npos) << alicePage.body;
  if (!sequential()) {
    // Alice's id does not open Bob's session process.
    Client bobClient = Client::plain(bob.port);
    EXPECT_EQ(bobClient.exchange(getRequest(alice.prefix + "/")).status, 403);
  }
}

TEST_P(AppserverModelsTest, StateIsKeptAcrossRequestsAndConnections) {
  ASSERT_NO_FATAL_FAILURE(start());
  const SessionUrl url = open();
  ASSERT_NE(url.port, 0);
  Client first = Client::plain(url.port);
  Client second = Client::plain(url.port);  // a browser opens several
  ASSERT_TRUE(first.connected() && second.connected());

  EXPECT_EQ(first.exchange(formPost(url.prefix + "/", "action=add&text=buy+milk")).status, 303);
  EXPECT_EQ(second.exchange(formPost(url.prefix + "/", "action=add&text=call%20Bob")).status, 303);
  const HttpResponse page = first.exchange(getRequest(url.prefix + "/"));
  EXPECT_EQ(page.status, 200) << page.describe();
  EXPECT_NE(page.body.find(">buy milk<"), std::string::npos) << page.body;
  EXPECT_NE(page.body.find(">call Bob<"), std::string::npos) << page.body;
  // A third connection, opened after the others' requests.
  const HttpResponse summary = get(url, "/summary");
  EXPECT_EQ(summary.status, 200) << summary.describe();
  EXPECT_NE(summary.body.find("2 notes, 16 characters"), std::string::npos) << summary.body;

  EXPECT_EQ(second.exchange(formPost(url.prefix + "/", "action=delete&id=1")).status, 303);
  const HttpResponse after = first.exchange(getRequest(url.prefix + "/summary"));
  EXPECT_NE(after.body.find("1 notes, 8 characters"), std::string::npos) << after.body;
}

TEST_P(AppserverModelsTest, WrongSessionIdIsForbidden) {
  ASSERT_NO_FATAL_FAILURE(start());
  const SessionUrl url = open();
  ASSERT_NE(url.port, 0);
  std::vector<std::string> targets{"/" + std::string(32, '0') + "~/",
                                   "/" + otherId(url.id) + "~/",
                                   "/" + otherId(url.id) + "~/summary",
                                   "/" + url.id.substr(0, 31) + "~/",
                                   "/" + url.id + "0~/",
                                   "/x~/"};
  if (!sequential()) {
    // On a session's own port every path needs the id; in sequential "/"
    // is the app's first page.
    targets.push_back("/");
    targets.push_back("/summary");
  }
  Client client = Client::plain(url.port);
  ASSERT_TRUE(client.connected()) << client.error();
  for (const std::string& target : targets) {
    const HttpResponse response = client.exchange(getRequest(target));
    EXPECT_EQ(response.status, 403) << target << "\n" << response.describe();
    if (!response.complete) {
      client = Client::plain(url.port);  // carry on with the other targets
    }
  }
  // The session is still there for its own URL.
  EXPECT_EQ(get(url, "/summary").status, 200);
}

TEST_P(AppserverModelsTest, CheckAddressRefusesAnotherClientAddress) {
  ASSERT_NO_FATAL_FAILURE(start({"--check-address"}));
  const SessionUrl mine = open("127.0.0.1");
  ASSERT_NE(mine.port, 0);
  EXPECT_EQ(get(mine, "/", "127.0.0.1").status, 200);
  const HttpResponse other = get(mine, "/", "127.0.0.2");
  EXPECT_EQ(other.status, 403) << other.describe();
  EXPECT_EQ(get(mine, "/summary", "127.0.0.1").status, 200);

  // A session opened from 127.0.0.2 is that address's.
  const SessionUrl theirs = open("127.0.0.2");
  ASSERT_NE(theirs.port, 0);
  EXPECT_EQ(get(theirs, "/", "127.0.0.2").status, 200);
  EXPECT_EQ(get(theirs, "/", "127.0.0.1").status, 403);
}

TEST_P(AppserverModelsTest, WithoutCheckAnotherAddressIsServed) {
  ASSERT_NO_FATAL_FAILURE(start());
  const SessionUrl url = open("127.0.0.1");
  ASSERT_NE(url.port, 0);
  EXPECT_EQ(get(url, "/", "127.0.0.2").status, 200);
}

TEST_P(AppserverModelsTest, IdleSessionEndsAndItsIdIsRefused) {
  ASSERT_NO_FATAL_FAILURE(start({"--timeout", "1"}));
  const SessionUrl url = open();
  ASSERT_NE(url.port, 0);
  EXPECT_EQ(get(url, "/").status, 200);
  ASSERT_TRUE(app_->err().waitForLine(std::regex("ended: idle timeout"), Millis{15'000}))
      << "no idle timeout";

  if (sequential()) {
    // The app's port stays; the id is no session's any more.
    const HttpResponse gone = get(url, "/");
    EXPECT_EQ(gone.status, 403) << gone.describe();
  } else {
    // The session's process and port are gone (a port taken again by
    // another session would refuse the id).
    EXPECT_TRUE(pollUntil(
        [&] {
          if (!connectTcp("127.0.0.1", url.port, Millis{1000}).valid()) {
            return true;
          }
          return get(url, "/").status == 403;
        },
        Millis{5000}));
  }
  // The app still opens new sessions.
  const SessionUrl fresh = open();
  ASSERT_NE(fresh.port, 0);
  EXPECT_EQ(get(fresh, "/").status, 200);
}

TEST_P(AppserverModelsTest, SessionCapIsAnswered503) {
  ASSERT_NO_FATAL_FAILURE(start({"--max-sessions", "2"}));
  // At once after the start, as when the gate starts the app for its first
  // visitor: in pool, every slot under the cap may still be a process
  // getting ready; the visitor is within the cap all the same.
  const SessionUrl first = open();
  const SessionUrl second = open();
  ASSERT_NE(first.port, 0);
  ASSERT_NE(second.port, 0);

  const HttpResponse refused = firstVisit(app_->port());
  EXPECT_EQ(refused.status, 503) << refused.describe();
  // The running sessions are untouched.
  EXPECT_EQ(get(first, "/summary").status, 200);
  EXPECT_EQ(get(second, "/summary").status, 200);
}

TEST_P(AppserverModelsTest, HupRunsTheNewBinaryForNewSessions) {
  TempDir dir;
  const std::string binary = dir.file("notes-app");
  ASSERT_NO_FATAL_FAILURE(copyExecutable(HTTPGATE_NOTES_APP, binary));
  ASSERT_NO_FATAL_FAILURE(start({}, binary));
  const SessionUrl old = open();
  ASSERT_NE(old.port, 0);
  Client oldClient = Client::plain(old.port);
  EXPECT_EQ(oldClient.exchange(formPost(old.prefix + "/", "action=add&text=old")).status, 303);
  const HttpResponse before = oldClient.exchange(getRequest(old.prefix + "/summary"));
  EXPECT_NE(before.body.find("build 1."), std::string::npos) << before.body;

  // Replaced as a package upgrade does it: a new file renamed over the old.
  ASSERT_NO_FATAL_FAILURE(copyExecutable(HTTPGATE_NOTES_APP_NEXT, binary + ".new"));
  ASSERT_EQ(std::rename((binary + ".new").c_str(), binary.c_str()), 0);
  const size_t mark = app_->err().size();
  app_->sendSignal(SIGHUP);
  ASSERT_TRUE(app_->err().waitForLine(std::regex("listening on .*adopted from the previous image"),
                                      Millis{10'000}, mark))
      << "no re-execution";

  if (sequential()) {
    // The sessions lived in the old image's memory: their ids are refused.
    const HttpResponse lost = get(old, "/summary");
    EXPECT_EQ(lost.status, 403) << lost.describe();
  } else {
    const HttpResponse still = get(old, "/summary");
    EXPECT_EQ(still.status, 200) << still.describe();
    EXPECT_NE(still.body.find("1 notes"), std::string::npos) << still.body;
    EXPECT_NE(still.body.find("build 1."), std::string::npos) << still.body;
  }
  // Every new visitor gets the new code (in pool: no ready process of the
  // old image is handed a visitor).
  for (int i = 0; i < 3; ++i) {
    const SessionUrl fresh = open();
    ASSERT_NE(fresh.port, 0);
    EXPECT_NE(fresh.id, old.id);
    const HttpResponse next = get(fresh, "/summary");
    EXPECT_EQ(next.status, 200) << next.describe();
    EXPECT_NE(next.body.find("build next."), std::string::npos) << next.body;
  }

  app_->sendSignal(SIGTERM);
  EXPECT_EQ(app_->waitExit(Millis{15'000}), std::optional<int>(0));
}

TEST_P(AppserverModelsTest, RetiresWithoutSessionsAndLeavesNoProcess) {
  // The retire period also runs from start-up: long enough that a loaded
  // machine still opens the session within it.
  ASSERT_NO_FATAL_FAILURE(start({"--timeout", "0.5", "--retire", "3"}));
  const SessionUrl url = open();
  ASSERT_NE(url.port, 0);
  EXPECT_EQ(get(url, "/").status, 200);
  EXPECT_EQ(app_->waitExit(Millis{15'000}), std::optional<int>(0));
  EXPECT_TRUE(app_->err().waitForLine(std::regex("retiring"), Millis{3000})) << "no retiring line";
  // Nothing of the app is left: no session, no ready process (AppProcess
  // made the app a process group leader; its children stay in its group).
  EXPECT_TRUE(pollUntil([&] { return processGroupMembers(app_->pid()).empty(); }, Millis{5000}))
      << processGroupMembers(app_->pid()).size() << " processes left";
}

INSTANTIATE_TEST_SUITE_P(Models, AppserverModelsTest, ::testing::ValuesIn(kModels), modelName);

// Each model behind the real gate with TLS: the first page on
// routes.default, then the session's pages under
// https://gate.test/<port>/<sesid>~/.
class AppserverModelsGateTest : public GateTest, public ::testing::WithParamInterface<std::string> {
 protected:
  bool sequential() const { return GetParam() == "sequential"; }

  void start() {
    app_ = std::make_unique<AppProcess>(HTTPGATE_NOTES_APP, withModel(GetParam(), {}));
    ASSERT_TRUE(app_->ready()) << app_->log();
    ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(cert_, app_->port())));
  }

  void TearDown() override {
    if (HasFailure() && app_) {
      std::cerr << "---- app stderr (" << GetParam() << ") ----\n"
                << app_->log() << "---- end ----\n";
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
    const std::optional<SessionUrl> url = parseSessionUrl(location);
    EXPECT_TRUE(url.has_value()) << response.describe();
    if (url) {
      EXPECT_EQ(url->prefix, "/" + std::to_string(url->port) + "/" + url->id + "~");
      if (sequential()) {
        EXPECT_EQ(url->port, app_->port());
      } else {
        EXPECT_NE(url->port, app_->port());
      }
    }
    return url.value_or(SessionUrl{});
  }

  std::unique_ptr<AppProcess> app_;
};

TEST_P(AppserverModelsGateTest, FirstPageAndStateThroughTheGate) {
  ASSERT_NO_FATAL_FAILURE(start());
  const SessionUrl url = open();
  ASSERT_NE(url.port, 0);

  Client client = Client::tls(tlsPort());
  ASSERT_TRUE(client.connected()) << client.error();
  const HttpResponse page = client.exchange(getRequest(url.prefix + "/"));
  EXPECT_EQ(page.status, 200) << page.describe();
  EXPECT_NE(page.body.find("<base href=\"https://gate.test" + url.prefix + "/\">"),
            std::string::npos)
      << page.body;
  EXPECT_NE(page.body.find("through httpgate"), std::string::npos) << page.body;
  const std::optional<ServedBy> served = servedBy(page.body);
  ASSERT_TRUE(served.has_value()) << page.body;
  EXPECT_EQ(served->port, url.port);
  if (sequential()) {
    EXPECT_EQ(served->pid, app_->pid());
  } else {
    EXPECT_NE(served->pid, app_->pid());
  }

  const HttpResponse added =
      client.exchange(formPost(url.prefix + "/", "action=add&text=from+the+gate"));
  EXPECT_EQ(added.status, 303) << added.describe();
  EXPECT_EQ(added.field("Location").value_or(""), "https://gate.test" + url.prefix + "/");
  // A second page with the state, on another connection.
  Client again = Client::tls(tlsPort());
  ASSERT_TRUE(again.connected()) << again.error();
  const HttpResponse notes = again.exchange(getRequest(url.prefix + "/"));
  EXPECT_EQ(notes.status, 200) << notes.describe();
  EXPECT_NE(notes.body.find(">from the gate<"), std::string::npos) << notes.body;
  const HttpResponse summary = again.exchange(getRequest(url.prefix + "/summary"));
  EXPECT_NE(summary.body.find("1 notes"), std::string::npos) << summary.body;
}

TEST_P(AppserverModelsGateTest, TwoBrowsersGetTwoSessions) {
  ASSERT_NO_FATAL_FAILURE(start());
  const SessionUrl one = open();
  const SessionUrl two = open();
  ASSERT_NE(one.port, 0);
  ASSERT_NE(two.port, 0);
  EXPECT_NE(one.id, two.id);

  Client first = Client::tls(tlsPort());
  Client second = Client::tls(tlsPort());
  ASSERT_TRUE(first.connected() && second.connected());
  EXPECT_EQ(first.exchange(formPost(one.prefix + "/", "action=add&text=mine")).status, 303);
  const HttpResponse other = second.exchange(getRequest(two.prefix + "/"));
  EXPECT_EQ(other.status, 200) << other.describe();
  EXPECT_EQ(other.body.find("mine"), std::string::npos) << other.body;
  EXPECT_NE(first.exchange(getRequest(one.prefix + "/")).body.find(">mine<"), std::string::npos);
  // The second session's port with a made-up id.
  const HttpResponse crossed =
      second.exchange(getRequest("/" + std::to_string(two.port) + "/" + otherId(two.id) + "~/"));
  EXPECT_EQ(crossed.status, 403) << crossed.describe();
  if (!sequential()) {
    EXPECT_NE(one.port, two.port);
    // ... and with the first one's id.
    const HttpResponse wrong =
        second.exchange(getRequest("/" + std::to_string(two.port) + "/" + one.id + "~/"));
    EXPECT_EQ(wrong.status, 403) << wrong.describe();
  }
}

INSTANTIATE_TEST_SUITE_P(Models, AppserverModelsGateTest, ::testing::ValuesIn(kModels), modelName);

}  // namespace
}  // namespace httpgate::test
