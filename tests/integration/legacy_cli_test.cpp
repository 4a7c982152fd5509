// The legacy httpGate command line, "PORT DEFAULT [KEY,CERT [DENIED-PORT
// ...]]", on the real binary: port and names-file routing, TLS from
// KEY,CERT or one PEM, denied ports, ./void, SIGHUP re-reading the names
// file, and detaching without -f. Names-file entries run as "nobody" and
// have no command, so nothing is started on demand.
#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/backend.h"
#include "tests/support/child_process.h"
#include "tests/support/client.h"
#include "tests/support/dead_ports.h"
#include "tests/support/files.h"
#include "tests/support/gate_test.h"

namespace httpgate::test {
namespace {

const std::regex kReloaded("configuration reloaded");

class LegacyCliTest : public GateTest {
 protected:
  // Starts the gate with `args` in the test's directory.
  void startLegacy(const std::vector<std::string>& args) {
    gate_ = std::make_unique<GateProcess>(args, dir_.path());
    ASSERT_TRUE(gate_->ready()) << gate_->startError();
    ASSERT_EQ(gate_->listeners().size(), 1u);
    EXPECT_EQ(gate_->listeners()[0].host, "::");  // dual-stack
  }

  std::string writeNames(const std::string& text) {
    const std::string path = dir_.file("names");
    replaceFile(path, text);
    return path;
  }

  std::string keyCert() const { return cert_.keyPath + "," + cert_.certPath; }

  Backend a_;
  Backend b_;
};

std::string port(const Backend& backend) {
  return std::to_string(backend.port());
}

TEST_F(LegacyCliTest, PlainWithDefaultPort) {
  ASSERT_NO_FATAL_FAILURE(startLegacy({"-f", "0", port(a_)}));
  EXPECT_EQ(gate().listeners()[0].kind, "plain");
  Client client = Client::plain(gate().port(0));
  ASSERT_TRUE(client.connected()) << client.error();
  HttpResponse response = client.exchange(getRequest("/some/page?x=1"));
  ASSERT_TRUE(response.complete) << response.describe();
  EXPECT_EQ(response.body, Backend::defaultBody(a_.port(), "/some/page?x=1"));
  response = client.exchange(getRequest(pathTo(b_, "/x")));
  EXPECT_EQ(response.body, Backend::defaultBody(b_.port(), "/x"));
  ASSERT_TRUE(a_.waitForRequests(1, Millis{2000}));
  EXPECT_EQ(a_.requests()[0].field("X-Pil"), "*Gate=http");
  // [::] takes IPv6 too.
  Client six = Client::plain(gate().port(0), "::1");
  ASSERT_TRUE(six.connected()) << six.error();
  EXPECT_EQ(six.exchange(getRequest("/v6")).body, Backend::defaultBody(a_.port(), "/v6"));
}

TEST_F(LegacyCliTest, EmptyThirdArgumentIsPlain) {
  ASSERT_NO_FATAL_FAILURE(startLegacy({"-f", "0", port(a_), ""}));
  EXPECT_EQ(gate().listeners()[0].kind, "plain");
}

TEST_F(LegacyCliTest, TlsWithKeyCommaCert) {
  ASSERT_NO_FATAL_FAILURE(startLegacy({"-f", "0", port(a_), keyCert()}));
  EXPECT_EQ(gate().listeners()[0].kind, "tls");
  Client client = Client::tls(gate().port(0));
  ASSERT_TRUE(client.connected()) << client.error();
  const HttpResponse response = client.exchange(getRequest("/hello"));
  EXPECT_EQ(response.body, Backend::defaultBody(a_.port(), "/hello"));
  ASSERT_TRUE(a_.waitForRequests(1, Millis{2000}));
  EXPECT_EQ(a_.requests()[0].field("X-Pil"), "*Gate=https");
}

TEST_F(LegacyCliTest, TlsWithOnePemHoldingBoth) {
  const std::string pem = dir_.file("both.pem");
  writeFile(pem, *readFile(cert_.certPath) + *readFile(cert_.keyPath));
  ASSERT_NO_FATAL_FAILURE(startLegacy({"-f", "0", port(a_), pem}));
  EXPECT_EQ(gate().listeners()[0].kind, "tls");
  Client client = Client::tls(gate().port(0));
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_EQ(client.exchange(getRequest("/pem")).body, Backend::defaultBody(a_.port(), "/pem"));
}

TEST_F(LegacyCliTest, NamesFileRoutesWithInsertionDefaultAndRedirect) {
  writeNames("# apps\n@ " + port(a_) + " nobody /tmp ^\nShop/ins " + port(b_) +
             " nobody /tmp ^\nold 0 https://example.org/new\n");
  ASSERT_NO_FATAL_FAILURE(startLegacy({"-f", "0", "names"}));
  Client client = Client::plain(gate().port(0));
  ASSERT_TRUE(client.connected()) << client.error();
  // The name is cut off and the insertion put in front of the rest.
  EXPECT_EQ(client.exchange(getRequest("/shop/x?q=1")).body,
            Backend::defaultBody(b_.port(), "/ins/x?q=1"));
  EXPECT_EQ(client.exchange(getRequest("/SHOP/y")).body, Backend::defaultBody(b_.port(), "/ins/y"));
  // No name: the "@" entry, path untouched.
  EXPECT_EQ(client.exchange(getRequest("/other/page")).body,
            Backend::defaultBody(a_.port(), "/other/page"));
  EXPECT_TRUE(
      isGateResponse(client.exchange(getRequest("/old/a")), 302, false, "https://example.org/new"));
  EXPECT_TRUE(
      isGateResponse(client.exchange(getRequest("/Old")), 302, false, "https://example.org/new"));
}

TEST_F(LegacyCliTest, OnlyEntryIsTheDefault) {
  writeNames("app " + port(b_) + " nobody /tmp ^\n");
  ASSERT_NO_FATAL_FAILURE(startLegacy({"-f", "0", "names"}));
  Client client = Client::plain(gate().port(0));
  EXPECT_EQ(client.exchange(getRequest("/x")).body, Backend::defaultBody(b_.port(), "/x"));
}

TEST_F(LegacyCliTest, DeniedPortIs403) {
  ASSERT_NO_FATAL_FAILURE(startLegacy({"-f", "0", port(a_), "", port(b_)}));
  Client client = Client::plain(gate().port(0));
  EXPECT_TRUE(isGateResponse(client.exchange(getRequest(pathTo(b_, "/x"))), 403, false));
  EXPECT_EQ(b_.connectionCount(), 0u);
  EXPECT_EQ(client.exchange(getRequest(pathTo(a_, "/ok"))).body,
            Backend::defaultBody(a_.port(), "/ok"));
}

// Each request is routed by the configuration current when it begins
// (README, "Configuration snapshots"): the open keep-alive connection stays
// open across the HUP and its next request follows the edited names file,
// as does a new connection.
TEST_F(LegacyCliTest, HupRereadsTheNamesFile) {
  writeNames("@ " + port(a_) + " nobody /tmp ^\nsvc " + port(a_) + " nobody /tmp ^\n");
  ASSERT_NO_FATAL_FAILURE(startLegacy({"-f", "0", "names"}));
  Client client = Client::plain(gate().port(0));
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_EQ(client.exchange(getRequest("/svc/1")).body, Backend::defaultBody(a_.port(), "/1"));

  const size_t from = gate().logSize();
  writeNames("@ " + port(a_) + " nobody /tmp ^\nsvc/v2 " + port(b_) + " nobody /tmp ^\n");
  gate().sendSignal(SIGHUP);
  ASSERT_TRUE(gate().waitForLog(kReloaded, Millis{5000}, from));
  const HttpResponse kept = client.exchange(getRequest("/svc/2"));
  ASSERT_TRUE(kept.complete) << kept.describe();
  EXPECT_EQ(kept.body, Backend::defaultBody(b_.port(), "/v2/2"));
  Client fresh = Client::plain(gate().port(0));
  EXPECT_EQ(fresh.exchange(getRequest("/svc/3")).body, Backend::defaultBody(b_.port(), "/v2/3"));

  // A broken edit is refused and the running names stay.
  const size_t before = gate().logSize();
  writeNames("svc 99999 nobody /tmp ^\n");
  gate().sendSignal(SIGHUP);
  ASSERT_TRUE(gate().waitForLog(
      std::regex("reload failed, keeping the running configuration: .*names:1: invalid port"),
      Millis{5000}, before));
  Client after = Client::plain(gate().port(0));
  EXPECT_EQ(after.exchange(getRequest("/svc/4")).body, Backend::defaultBody(b_.port(), "/v2/4"));
}

TEST_F(LegacyCliTest, VoidFileInTheWorkingDirectory) {
  writeFile(dir_.file("void"), "<html>session ended</html>");
  ASSERT_NO_FATAL_FAILURE(startLegacy({"-f", "0", port(a_)}));
  Client client = Client::plain(gate().port(0));
  const std::string dead = "/" + std::to_string(refusingPort());
  const HttpResponse gone = client.exchange(getRequest(dead + "/a1b2~page"));
  EXPECT_TRUE(isGateResponse(gone, 410, false));
  EXPECT_EQ(gone.body, "<html>session ended</html>");
  EXPECT_TRUE(isGateResponse(client.exchange(getRequest(dead + "/page")), 502, false));
}

// As httpGate, ./void is opened for every 410: an edit shows at the next
// answer, without a reload; a removed file means 502; a new one, 410 again.
TEST_F(LegacyCliTest, VoidFileIsReadForEvery410) {
  ASSERT_NO_FATAL_FAILURE(startLegacy({"-f", "0", port(a_)}));
  Client client = Client::plain(gate().port(0));
  const std::string dead = "/" + std::to_string(refusingPort()) + "/a1b2~page";
  EXPECT_TRUE(isGateResponse(client.exchange(getRequest(dead)), 502, false)) << "no void file yet";

  replaceFile(dir_.file("void"), "<p>first</p>");
  HttpResponse gone = client.exchange(getRequest(dead));
  EXPECT_TRUE(isGateResponse(gone, 410, false)) << gone.describe();
  EXPECT_EQ(gone.body, "<p>first</p>");

  replaceFile(dir_.file("void"), "<p>edited while running</p>");
  gone = client.exchange(getRequest(dead));
  EXPECT_TRUE(isGateResponse(gone, 410, false)) << gone.describe();
  EXPECT_EQ(gone.body, "<p>edited while running</p>");

  ASSERT_EQ(::unlink(dir_.file("void").c_str()), 0);
  EXPECT_TRUE(isGateResponse(client.exchange(getRequest(dead)), 502, false)) << "void removed";
}

TEST_F(LegacyCliTest, CheckModeAndBadArguments) {
  RunResult ok = runProcess({HTTPGATE_BINARY, "-t", "0", port(a_), keyCert()}, Millis{10000});
  EXPECT_EQ(ok.exitCode, 0) << ok.err;
  EXPECT_NE(ok.err.find("configuration from the command line is valid"), std::string::npos)
      << ok.err;

  writeNames("a 2000\n");
  RunResult bad = runProcess({HTTPGATE_BINARY, "-t", "0", dir_.file("names")}, Millis{10000});
  EXPECT_EQ(bad.exitCode, 1);
  EXPECT_NE(bad.err.find(dir_.file("names") + ":1: missing the user"), std::string::npos)
      << bad.err;
  // Without -t the same error reaches the terminal before any detaching.
  bad = runProcess({HTTPGATE_BINARY, "0", dir_.file("names")}, Millis{10000});
  EXPECT_EQ(bad.exitCode, 1);
  EXPECT_NE(bad.err.find(":1: missing the user"), std::string::npos) << bad.err;

  RunResult usage = runProcess({HTTPGATE_BINARY, "-f", "0", "0"}, Millis{10000});
  EXPECT_EQ(usage.exitCode, 2);
  EXPECT_NE(usage.err.find("DEFAULT \"0\" is not a port number (1 to 65535)"), std::string::npos)
      << usage.err;
  usage = runProcess({HTTPGATE_BINARY, "-c", "x.yaml", "0", "8080"}, Millis{10000});
  EXPECT_EQ(usage.exitCode, 2);
}

// The processes whose argv holds `marker`, other than `except`.
std::vector<pid_t> processesWithArgument(const std::string& marker, pid_t except) {
  std::vector<pid_t> found;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) {
    return found;
  }
  while (dirent* entry = readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid <= 0 || pid == except) {
      continue;
    }
    std::ifstream in("/proc/" + std::string(entry->d_name) + "/cmdline", std::ios::binary);
    const std::string cmdline((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    // The daemon's start helper is a fork with the same command line: it
    // goes when the daemon goes.
    std::ifstream commIn("/proc/" + std::string(entry->d_name) + "/comm");
    std::string comm;
    std::getline(commIn, comm);
    if (cmdline.find(marker + '\0') != std::string::npos && comm != "httpgate-start") {
      found.push_back(pid);
    }
  }
  closedir(proc);
  return found;
}

pid_t parentOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) {
    return 0;
  }
  // "pid (comm) state ppid ...": comm may hold spaces, so start after ')'.
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  char state = 0;
  pid_t parent = 0;
  rest >> state >> parent;
  return parent;
}

bool gone(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) {
    return true;
  }
  const size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
}

// Kills the detached daemon at the end of the test, whatever happened.
struct DaemonReaper {
  std::string marker;
  pid_t parent = 0;
  ~DaemonReaper() {
    for (pid_t pid : processesWithArgument(marker, parent)) {
      kill(pid, SIGKILL);
      const Deadline deadline(Millis{5000});
      while (!gone(pid) && !deadline.expired()) {
        std::this_thread::sleep_for(Millis{10});
      }
    }
  }
};

TEST_F(LegacyCliTest, DetachesWithoutForeground) {
  // The names file's path is unique to this test: it finds the daemon.
  const std::string names = writeNames("@ " + port(a_) + " nobody /tmp ^\n");
  ChildProcess starter({HTTPGATE_BINARY, "0", names}, dir_.path());
  DaemonReaper reaper{names, starter.pid()};
  // The command returns at once, with 0; the daemon goes on serving.
  EXPECT_EQ(starter.waitExit(Millis{10000}), 0);
  // The daemon inherited stderr: its log still arrives through the pipe.
  const std::regex ready(R"(\bready\b)");
  ASSERT_TRUE(starter.err().waitForLine(ready, Millis{10000})) << starter.err().text();
  std::smatch match;
  const std::string log = starter.err().text();
  const std::regex listening(R"(listening on \[::\]:([0-9]+) \(plain\))");
  ASSERT_TRUE(std::regex_search(log, match, listening)) << log;
  const auto gatePort = static_cast<uint16_t>(std::stoi(match[1].str()));

  // The start helper is the daemon's child with the same command line (and,
  // until it names itself, the same comm): the daemon is the one whose
  // parent is not another match.
  const std::vector<pid_t> found = processesWithArgument(names, starter.pid());
  std::vector<pid_t> daemons;
  for (pid_t pid : found) {
    if (std::find(found.begin(), found.end(), parentOf(pid)) == found.end()) {
      daemons.push_back(pid);
    }
  }
  ASSERT_EQ(daemons.size(), 1u);
  EXPECT_NE(daemons[0], starter.pid());
  EXPECT_EQ(getsid(daemons[0]), daemons[0]);  // a session of its own

  Client client = Client::plain(gatePort);
  ASSERT_TRUE(client.connected()) << client.error();
  EXPECT_EQ(client.exchange(getRequest("/detached")).body,
            Backend::defaultBody(a_.port(), "/detached"));
}

}  // namespace
}  // namespace httpgate::test
