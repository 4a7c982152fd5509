// Socket activation (LISTEN_FDS, as systemd passes an httpgate.socket's
// sockets) and journald-style logging (JOURNAL_STREAM).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/support/backend.h"
#include "tests/support/child_process.h"
#include "tests/support/client.h"
#include "tests/support/files.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/proc_info.h"
#include "tests/support/sockets.h"

namespace httpgate::test {
namespace {

const std::regex kUnmatchedClosed(
    R"(socket activation: inherited socket on 127\.0\.0\.1:([0-9]+) matches no configured listener; closed)");

unsigned long inodeOf(int fd) {
  struct stat st {};
  fstat(fd, &st);
  return st.st_ino;
}

class SystemdSocketsTest : public GateTest {
 protected:
  Backend backend_;
};

// The test binds the sockets itself (no SO_REUSEPORT: a second bind on
// those ports would fail) and passes them as fds 3, 4, 5 with LISTEN_FDS and
// LISTEN_PID set by the shell that then execs the gate, keeping its pid.
TEST_F(SystemdSocketsTest, ServesOnPassedSocketsAndClosesUnmatchedOnes) {
  uint16_t tls = 0;
  uint16_t plain = 0;
  uint16_t stray = 0;
  UniqueFd tlsSocket = listenTcp("127.0.0.1", 64, &tls);
  UniqueFd plainSocket = listenTcp("127.0.0.1", 64, &plain);
  UniqueFd straySocket = listenTcp("127.0.0.1", 64, &stray);
  const std::string yaml = "listen:\n" +
                           tlsListenerYaml({cert_}, "127.0.0.1:" + std::to_string(tls)) +
                           plainListenerYaml("127.0.0.1:" + std::to_string(plain)) +
                           "workers: 2\nroutes:\n  default: " + std::to_string(backend_.port()) +
                           "\nlog:\n  access: \"off\"\n";

  SpawnOptions spawn;
  spawn.env = {"LISTEN_FDS=3"};
  spawn.passFds = {tlsSocket.get(), plainSocket.get(), straySocket.get()};
  gate_ = std::make_unique<GateProcess>(
      dir_, yaml,
      std::vector<std::string>{"/bin/sh", "-c", "LISTEN_PID=$$ exec \"$0\" -c \"$1\"", "{binary}",
                               "{config}"},
      spawn);
  ASSERT_TRUE(gate_->ready()) << gate_->startError() << "\nconfig:\n" << yaml;
  EXPECT_EQ(tlsPort(), tls);
  EXPECT_EQ(plainPort(), plain);
  EXPECT_TRUE(gate().waitForLog(kUnmatchedClosed, Millis{1000}));

  // The gate holds the very sockets the test bound.
  const std::set<unsigned long> held = socketInodes(gate().pid());
  EXPECT_EQ(held.count(inodeOf(tlsSocket.get())), 1u);
  EXPECT_EQ(held.count(inodeOf(plainSocket.get())), 1u);
  EXPECT_EQ(held.count(inodeOf(straySocket.get())), 0u) << "the unmatched socket stays open";

  // Only the gate accepts on them now.
  tlsSocket.reset();
  plainSocket.reset();
  Client overTls = Client::tls(tls);
  ASSERT_TRUE(overTls.connected()) << overTls.error();
  EXPECT_EQ(overTls.exchange(getRequest("/activated")).status, 200);
  Client overPlain = Client::plain(plain);
  ASSERT_TRUE(overPlain.connected()) << overPlain.error();
  EXPECT_EQ(overPlain.exchange(getRequest("/activated")).status, 200);
}

// LISTEN_PID names another process: the descriptors are not ours and the
// gate binds its listeners itself.
TEST_F(SystemdSocketsTest, IgnoresSocketsMeantForAnotherProcess) {
  SpawnOptions spawn;
  spawn.env = {"LISTEN_FDS=1", "LISTEN_PID=1"};
  gate_ =
      std::make_unique<GateProcess>(dir_, standardGateYaml(cert_, backend_.port()),
                                    std::vector<std::string>{"{binary}", "-c", "{config}"}, spawn);
  ASSERT_TRUE(gate_->ready()) << gate_->startError();
  EXPECT_EQ(gate().log().find("socket activation"), std::string::npos) << gate().log();
}

// Under systemd, stderr is a stream to journald and JOURNAL_STREAM names its
// device and inode; here the shell computes them from the pipe the test
// reads, so the gate sees exactly what it would see under systemd.
TEST_F(SystemdSocketsTest, JournalStreamLinesCarryPriorityAndNoTimestamp) {
  SpawnOptions spawn;
  // A names file line for an unknown user is skipped with a warning.
  const std::string names = dir_.file("names");
  writeFile(names, "ghost 9000 no-such-user-here /tmp ^\n");
  const std::string yaml = standardGateYaml(
      cert_, backend_.port(), "  names_file: \"" + names + "\"\n", "log:\n  access: \"off\"\n");
  gate_ = std::make_unique<GateProcess>(
      dir_, yaml,
      std::vector<std::string>{"/bin/sh", "-c",
                               "JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) "
                               "exec \"$0\" -c \"$1\"",
                               "{binary}", "{config}"},
      spawn);
  ASSERT_TRUE(gate_->ready()) << gate_->startError();
  const std::regex journalLine(R"(^<[0-7]>[^\[<])");
  const std::regex timestamp(R"(\[[0-9]{4}-[0-9]{2}-[0-9]{2} )");
  const std::string log = gate().log();
  std::istringstream lines(log);
  size_t count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    EXPECT_TRUE(std::regex_search(line, journalLine)) << line;
    EXPECT_FALSE(std::regex_search(line, timestamp)) << line;
  }
  EXPECT_GE(count, 3u);
  EXPECT_NE(log.find("<6>httpgate ready, 2 workers"), std::string::npos) << log;
  EXPECT_NE(log.find("<4>"), std::string::npos) << "the skipped names line's warning\n" << log;
}

// JOURNAL_STREAM inherited from a parent whose stderr was the journal, while
// ours is not: the usual format.
TEST_F(SystemdSocketsTest, StaleJournalStreamKeepsTimestamps) {
  SpawnOptions spawn;
  spawn.env = {"JOURNAL_STREAM=0:0"};
  gate_ =
      std::make_unique<GateProcess>(dir_, standardGateYaml(cert_, backend_.port()),
                                    std::vector<std::string>{"{binary}", "-c", "{config}"}, spawn);
  ASSERT_TRUE(gate_->ready()) << gate_->startError();
  EXPECT_NE(gate().log().find("[info] httpgate ready"), std::string::npos) << gate().log();
}

}  // namespace
}  // namespace httpgate::test
