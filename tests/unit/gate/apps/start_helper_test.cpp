// The start helper's side of privilege separation: it answers only
// "start ID NAME" for apps that its own configuration gives a start
// command, ignores anything else, and ends when the gate's end closes.
#include "gate/apps/start_helper.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "tests/unit/gate/config/config_test_support.h"

namespace httpgate::gate {
namespace {

class StartHelperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // An app whose program does not exist: a start is attempted and fails,
    // which shows the helper accepted the request.
    const passwd* self = getpwuid(geteuid());
    ASSERT_NE(self, nullptr);
    std::string user = geteuid() == 0 ? "nobody" : self->pw_name;
    auto config = std::make_shared<const Config>(testing::loads(
        "listen:\n  - address: \"127.0.0.1:0\"\nroutes:\n  apps:\n    shop:\n      port: 1\n"
        "      start:\n        user: " +
        user +
        "\n        dir: /\n        command: [/nonexistent/program]\n        wait: 2s\n"
        "    plain:\n      port: 2\n"));
    ConfigLoader loader = [config]() { return LoadedConfig::success(config); };
    auto helper = forkStartHelper(loader, config);
    ASSERT_TRUE(helper.has_value());
    helper_ = *helper;
  }

  void TearDown() override {
    if (helper_.fd >= 0) {
      ::close(helper_.fd);
      int status = 0;
      EXPECT_EQ(waitpid(helper_.pid, &status, 0), helper_.pid);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
          << "the helper did not end cleanly when the gate's end closed";
    }
  }

  void ask(const std::string& message) {
    ASSERT_EQ(send(helper_.fd, message.data(), message.size(), 0),
              static_cast<ssize_t>(message.size()));
  }

  // The next answer, waited for up to 10 s.
  std::string answer() {
    pollfd pfd{helper_.fd, POLLIN, 0};
    if (poll(&pfd, 1, 10'000) != 1) {
      return "(no answer)";
    }
    char buf[1024];
    ssize_t n = recv(helper_.fd, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "(closed)";
  }

  StartHelperHandle helper_;
};

TEST_F(StartHelperTest, RefusesAppsNotInItsConfiguration) {
  ask("start 7 nosuch");
  EXPECT_EQ(answer(), "7 fail no app \"nosuch\" with a start command in the configuration");
}

TEST_F(StartHelperTest, RefusesAppsWithoutAStartCommand) {
  ask("start 8 plain");
  EXPECT_EQ(answer(), "8 fail no app \"plain\" with a start command in the configuration");
}

TEST_F(StartHelperTest, IgnoresMalformedRequestsAndGoesOn) {
  ask("exec /bin/sh");
  ask("start");
  ask("start 9 shop");
  const std::string reply = answer();
  EXPECT_EQ(reply.rfind("9 fail ", 0), 0u) << reply;
  EXPECT_NE(reply.find("/nonexistent/program exited with status 127"), std::string::npos) << reply;
}

}  // namespace
}  // namespace httpgate::gate
