// SIGUSR2: the gate starts its binary again on the same listening sockets;
// once the new process is ready the old one drains and exits 0. Not one
// request fails across the swap; a new binary that does not start leaves
// the old process serving.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "tests/support/backend.h"
#include "tests/support/client.h"
#include "tests/support/files.h"
#include "tests/support/foreign_process.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"

namespace httpgate::test {
namespace {

const std::regex kNewProcessReady(R"(upgrade: new process ([0-9]+) is ready; draining)");
const std::regex kUpgradeStarted("upgrade: started ");
const std::regex kUpgradeFailed("upgrade failed: .*still serving");
const std::regex kUpgradeIgnored("upgrade: SIGUSR2 ignored");
const std::regex kListening(R"(listening on 127\.0\.0\.1:([0-9]+) \(tls\))");
const std::regex kReloaded("configuration reloaded");
const std::regex kStopped(R"(\[info\] stopped)");

// One client thread's tally. A keep-alive connection that the draining
// process closes between two requests is not a failure: the request that
// found it closed, before any byte of a response, is retried on a new
// connection, as HTTP/1.1 clients do (RFC 9112, 9.3.1). Everything else is.
struct Tally {
  std::atomic<size_t> succeeded{0};
  std::atomic<size_t> failed{0};
  std::atomic<size_t> retried{0};
  std::mutex mutex;
  std::vector<std::string> failures;  // the first few, for the report

  void fail(const std::string& what) {
    ++failed;
    std::lock_guard lock(mutex);
    if (failures.size() < 5) {
      failures.push_back(what);
    }
  }
};

class UpgradeTest : public GateTest {
 protected:
  std::string yaml(std::string_view topLevel = "") const {
    return standardGateYaml(cert_, backend_.port(), "",
                            "log:\n  access: \"off\"\n" + std::string(topLevel));
  }

  // Whether `response` is the backend's answer to GET `target`.
  bool answered(const HttpResponse& response, const std::string& target) const {
    return response.complete && response.status == 200 &&
           response.body == Backend::defaultBody(backend_.port(), target);
  }

  // One request on a new connection, TLS or plain; "" or what went wrong.
  std::string requestOnNewConnection(bool tls, const std::string& target) const {
    Client client = tls ? Client::tls(tlsPort()) : Client::plain(plainPort());
    if (!client.connected()) {
      return "connect: " + client.error();
    }
    const HttpResponse response = client.exchange(getRequest(target));
    return answered(response, target) ? "" : response.describe();
  }

  // Sends SIGUSR2 through `signal` and waits for the successor's ready
  // line in the shared stderr; returns it held by a pidfd.
  ForeignProcess upgrade(const std::function<void()>& signal) {
    const size_t from = gate().logSize();
    signal();
    auto line = gate().waitForLog(kNewProcessReady, Millis{10'000}, from);
    if (!line) {
      ADD_FAILURE() << "no \"new process ... is ready\" line after SIGUSR2";
      return {};
    }
    const pid_t pid = std::stoi((*line)[1]);
    ForeignProcess successor(pid);
    EXPECT_TRUE(successor.valid()) << "process " << pid << " is gone";
    return successor;
  }

  Backend backend_;
};

// Runs `work` repeatedly on its own thread until stop() is called.
class Hammer {
 public:
  explicit Hammer(std::function<void(Tally&, const std::atomic<bool>&)> work)
      : thread_([this, work = std::move(work)] { work(tally_, stop_); }) {}
  ~Hammer() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) {
      thread_.join();
    }
  }
  Tally& tally() { return tally_; }

 private:
  Tally tally_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Waits (bounded) until every hammer has `count` more successes than `base`.
bool allReach(std::vector<std::unique_ptr<Hammer>>& hammers, const std::vector<size_t>& base,
              size_t count, Millis timeout) {
  const Deadline deadline(timeout);
  while (!deadline.expired()) {
    bool all = true;
    for (size_t i = 0; i < hammers.size(); ++i) {
      all = all && hammers[i]->tally().succeeded >= base[i] + count;
    }
    if (all) {
      return true;
    }
    std::this_thread::sleep_for(Millis{20});  // polling the counters, not synchronizing
  }
  return false;
}

std::vector<size_t> successes(std::vector<std::unique_ptr<Hammer>>& hammers) {
  std::vector<size_t> counts;
  for (auto& hammer : hammers) {
    counts.push_back(hammer->tally().succeeded);
  }
  return counts;
}

TEST_F(UpgradeTest, UnderContinuousLoadNoRequestFails) {
  ASSERT_NO_FATAL_FAILURE(startGate(yaml()));
  const uint16_t tls = tlsPort();

  std::vector<std::unique_ptr<Hammer>> hammers;
  // Keep-alive requests over TLS.
  hammers.push_back(std::make_unique<Hammer>([&](Tally& tally, const std::atomic<bool>& stop) {
    Client client;
    bool fresh = false;
    for (size_t n = 0; !stop; ++n) {
      const std::string target = "/keep/" + std::to_string(n);
      if (!client.connected()) {
        client = Client::tls(tls);
        fresh = true;
        if (!client.connected()) {
          tally.fail("keep-alive connect: " + client.error());
          continue;
        }
      }
      const HttpResponse response = client.exchange(getRequest(target));
      if (!response.complete && response.wireBytes == 0 && !fresh) {
        ++tally.retried;  // closed between requests by the draining process
        client = Client();
        continue;
      }
      if (!answered(response, target)) {
        tally.fail("keep-alive: " + response.describe());
        client = Client();
        continue;
      }
      ++tally.succeeded;
      fresh = false;
      if (response.announcesClose()) {
        client = Client();
      }
    }
  }));
  // A new TLS connection per request, and a new plain one per request.
  for (bool useTls : {true, false}) {
    hammers.push_back(
        std::make_unique<Hammer>([&, useTls](Tally& tally, const std::atomic<bool>& stop) {
          for (size_t n = 0; !stop; ++n) {
            const std::string error = requestOnNewConnection(useTls, "/new/" + std::to_string(n));
            if (error.empty()) {
              ++tally.succeeded;
            } else {
              tally.fail((useTls ? "new TLS connection: " : "new plain connection: ") + error);
            }
          }
        }));
  }

  ASSERT_TRUE(allReach(hammers, std::vector<size_t>(hammers.size(), 0), 100, Millis{20'000}))
      << "the load did not get going";
  std::this_thread::sleep_for(Millis{1500});  // load duration, not synchronization
  ForeignProcess successor = upgrade([&] { gate().sendSignal(SIGUSR2); });
  ASSERT_TRUE(successor.valid());
  EXPECT_NE(successor.pid(), gate().pid());
  EXPECT_EQ(gate().waitExit(Millis{15'000}), 0) << "the old process did not drain and exit 0";
  // The old process is gone: what succeeds from here on is the new one's.
  const std::vector<size_t> atExit = successes(hammers);
  EXPECT_TRUE(allReach(hammers, atExit, 100, Millis{20'000}))
      << "requests stopped succeeding after the old process exited";
  std::this_thread::sleep_for(Millis{1500});  // load duration, not synchronization
  for (auto& hammer : hammers) {
    hammer->stop();
  }
  for (size_t i = 0; i < hammers.size(); ++i) {
    Tally& tally = hammers[i]->tally();
    EXPECT_EQ(tally.failed, 0u) << "client thread " << i << ": " << tally.failed << " of "
                                << tally.succeeded + tally.failed << " requests failed, first: "
                                << (tally.failures.empty() ? "" : tally.failures[0]);
    std::cerr << "client thread " << i << ": " << tally.succeeded << " requests, " << tally.retried
              << " retried after a keep-alive close\n";
  }

  // The new process serves, reloads and stops like the old one.
  EXPECT_EQ(requestOnNewConnection(true, "/after"), "");
  size_t from = gate().logSize();
  ASSERT_TRUE(successor.sendSignal(SIGHUP));
  EXPECT_TRUE(gate().waitForLog(kReloaded, Millis{5000}, from)) << "the new process did not reload";
  EXPECT_EQ(requestOnNewConnection(false, "/after-reload"), "");
  from = gate().logSize();
  ASSERT_TRUE(successor.sendSignal(SIGTERM));
  EXPECT_TRUE(successor.waitExit(Millis{10'000})) << "the new process did not stop on SIGTERM";
  EXPECT_TRUE(gate().waitForLog(kStopped, Millis{1000}, from));
}

// Clients that never retry (curl, scripts, PicoLisp's client): four of
// them, keep-alive and new connections, TLS and plain, some pausing between
// requests so that their connections sit idle when a drain begins. Across
// 20 reloads and 3 upgrades not one request may fail: a draining process
// answers the next request of an idle keep-alive connection (with
// Connection: close) instead of closing under it.
TEST_F(UpgradeTest, ClientsThatNeverRetryLoseNothingAcrossReloadsAndUpgrades) {
  ASSERT_NO_FATAL_FAILURE(startGate(yaml()));
  const uint16_t tls = tlsPort();
  const uint16_t plain = plainPort();

  // A keep-alive client; a request that gets no complete answer is a
  // failure. A response announcing the close is followed by a new
  // connection, as any HTTP/1.1 client does.
  const auto keepAlive = [&](bool useTls, Millis pause) {
    return [&, useTls, pause](Tally& tally, const std::atomic<bool>& stop) {
      Client client;
      for (size_t n = 0; !stop; ++n) {
        const std::string target = "/ka/" + std::to_string(n);
        if (!client.connected()) {
          client = useTls ? Client::tls(tls) : Client::plain(plain);
          if (!client.connected()) {
            tally.fail("connect: " + client.error());
            continue;
          }
        }
        const HttpResponse response = client.exchange(getRequest(target));
        if (!answered(response, target)) {
          tally.fail(std::string(useTls ? "TLS" : "plain") + " keep-alive request " +
                     std::to_string(n) + ": " + response.describe());
          client = Client();
          continue;
        }
        ++tally.succeeded;
        if (response.announcesClose()) {
          client = Client();
        }
        std::this_thread::sleep_for(pause);  // the client's think time, not synchronization
      }
    };
  };
  std::vector<std::unique_ptr<Hammer>> hammers;
  hammers.push_back(std::make_unique<Hammer>(keepAlive(true, Millis{0})));
  hammers.push_back(std::make_unique<Hammer>(keepAlive(false, Millis{7})));
  hammers.push_back(std::make_unique<Hammer>(keepAlive(true, Millis{40})));
  hammers.push_back(std::make_unique<Hammer>([&](Tally& tally, const std::atomic<bool>& stop) {
    for (size_t n = 0; !stop; ++n) {
      const std::string error = requestOnNewConnection(true, "/new/" + std::to_string(n));
      if (error.empty()) {
        ++tally.succeeded;
      } else {
        tally.fail("new TLS connection: " + error);
      }
    }
  }));
  ASSERT_TRUE(allReach(hammers, std::vector<size_t>(hammers.size(), 0), 20, Millis{20'000}))
      << "the load did not get going";

  ForeignProcess current;  // invalid while the original process serves
  const auto signalCurrent = [&](int signal) {
    if (current.valid()) {
      current.sendSignal(signal);
    } else {
      gate().sendSignal(signal);
    }
  };
  int upgrades = 0;
  for (int reload = 1; reload <= 20; ++reload) {
    const size_t from = gate().logSize();
    signalCurrent(SIGHUP);
    ASSERT_TRUE(gate().waitForLog(kReloaded, Millis{5000}, from)) << "reload " << reload;
    ASSERT_TRUE(allReach(hammers, successes(hammers), 5, Millis{10'000}))
        << "requests stopped after reload " << reload;
    if (reload % 6 == 0) {
      ForeignProcess next = upgrade([&] { signalCurrent(SIGUSR2); });
      ASSERT_TRUE(next.valid()) << "upgrade " << upgrades + 1;
      if (current.valid()) {
        EXPECT_TRUE(current.waitExit(Millis{15'000})) << "an old process did not drain";
      } else {
        EXPECT_EQ(gate().waitExit(Millis{15'000}), 0) << "the first process did not drain";
      }
      current = std::move(next);
      ++upgrades;
      ASSERT_TRUE(allReach(hammers, successes(hammers), 5, Millis{10'000}))
          << "requests stopped after upgrade " << upgrades;
    }
  }
  EXPECT_EQ(upgrades, 3);
  for (auto& hammer : hammers) {
    hammer->stop();
  }
  for (size_t i = 0; i < hammers.size(); ++i) {
    Tally& tally = hammers[i]->tally();
    EXPECT_EQ(tally.failed, 0u) << "client " << i << ": " << tally.failed << " of "
                                << tally.succeeded + tally.failed << " requests failed, first: "
                                << (tally.failures.empty() ? "" : tally.failures[0]);
    std::cerr << "client " << i << ": " << tally.succeeded << " requests\n";
  }
  current.sendSignal(SIGTERM);
  EXPECT_TRUE(current.waitExit(Millis{10'000}));
}

// The successor may run another number of workers than the sockets it
// inherits: every inherited socket must still be accepted on, or part of
// the connections would wait forever in an unserved queue.
TEST_F(UpgradeTest, WorkerCountMayChangeAcrossUpgrades) {
  ASSERT_NO_FATAL_FAILURE(startGate(yaml()));  // 2 workers, 2 sockets per listener
  const uint16_t port = tlsPort();
  ForeignProcess current;
  for (const char* workers : {"1", "3"}) {
    const std::string text = yaml();
    gate().rewriteConfig(
        std::regex_replace(text, std::regex("workers: 2"), std::string("workers: ") + workers));
    const size_t from = gate().logSize();
    ForeignProcess next = upgrade([&] {
      if (current.valid()) {
        current.sendSignal(SIGUSR2);
      } else {
        gate().sendSignal(SIGUSR2);
      }
    });
    ASSERT_TRUE(next.valid());
    if (current.valid()) {
      EXPECT_TRUE(current.waitExit(Millis{10'000}));
    } else {
      EXPECT_EQ(gate().waitExit(Millis{10'000}), 0);
    }
    current = std::move(next);
    auto listening = gate().waitForLog(kListening, Millis{1000}, from);
    ASSERT_TRUE(listening);
    EXPECT_EQ((*listening)[1], std::to_string(port)) << "the new process listens elsewhere";
    for (int n = 0; n < 40; ++n) {
      ASSERT_EQ(requestOnNewConnection(n % 2 == 0, "/w" + std::to_string(n)), "")
          << "with " << workers << " workers, request " << n;
    }
  }
  current.sendSignal(SIGTERM);
  EXPECT_TRUE(current.waitExit(Millis{10'000}));
}

// A second SIGUSR2 while an upgrade is under way is ignored; a request in
// flight in the old process is answered before it exits.
TEST_F(UpgradeTest, SecondSignalIsIgnoredAndInFlightRequestsFinish) {
  Backend slow([](const RecordedRequest& request) {
    BackendReply reply = Backend::defaultReply(request);
    reply.delay = Millis{1500};
    return reply;
  });
  ASSERT_NO_FATAL_FAILURE(startGate(yaml()));
  Client busy = Client::tls(tlsPort());
  ASSERT_TRUE(busy.send(getRequest(pathTo(slow, "/slow"))));
  ASSERT_TRUE(slow.waitForRequests(1, kIoTimeout));

  const size_t from = gate().logSize();
  gate().sendSignal(SIGUSR2);
  ASSERT_TRUE(gate().waitForLog(kUpgradeStarted, Millis{5000}, from));
  // Still starting, or draining behind the slow request: ignored either way.
  gate().sendSignal(SIGUSR2);
  EXPECT_TRUE(gate().waitForLog(kUpgradeIgnored, Millis{5000}, from));
  auto line = gate().waitForLog(kNewProcessReady, Millis{10'000}, from);
  ASSERT_TRUE(line);
  ForeignProcess successor(std::stoi((*line)[1]));

  const HttpResponse drained = busy.readResponse(false, Millis{5000});
  ASSERT_TRUE(drained.complete) << drained.describe();
  EXPECT_EQ(drained.body, Backend::defaultBody(slow.port(), "/slow"));
  EXPECT_EQ(gate().waitExit(Millis{10'000}), 0);
  EXPECT_EQ(gate().countLog(kUpgradeStarted, from), 1u);
  successor.sendSignal(SIGTERM);
  EXPECT_TRUE(successor.waitExit(Millis{10'000}));
}

// The binary at the gate's path is replaced by one that cannot serve: the
// upgrade fails, the old process keeps serving and still stops on SIGTERM.
TEST_F(UpgradeTest, ABrokenNewBinaryLeavesTheOldProcessServing) {
  const std::string binary = dir_.file("httpgate");
  std::filesystem::copy_file(HTTPGATE_BINARY, binary);
  ASSERT_EQ(chmod(binary.c_str(), 0755), 0);
  gate_ = std::make_unique<GateProcess>(dir_, yaml(), Millis{10'000}, binary);
  ASSERT_TRUE(gate_->ready()) << gate_->startError();

  replaceFile(binary, "#!/bin/sh\nexit 1\n");  // a new file at the same path
  ASSERT_EQ(chmod(binary.c_str(), 0755), 0);
  for (int attempt = 0; attempt < 2; ++attempt) {  // a failed attempt does not block the next
    const size_t from = gate().logSize();
    gate().sendSignal(SIGUSR2);
    EXPECT_TRUE(gate().waitForLog(kUpgradeFailed, Millis{10'000}, from))
        << "attempt " << attempt << ": no \"upgrade failed\" line";
    EXPECT_EQ(requestOnNewConnection(true, "/still"), "");
    EXPECT_EQ(requestOnNewConnection(false, "/still"), "");
  }
  gate().sendSignal(SIGTERM);
  EXPECT_EQ(gate().waitExit(Millis{10'000}), 0);
}

// The new binary starts but refuses the configuration: same outcome.
TEST_F(UpgradeTest, AnInvalidConfigurationFailsTheUpgrade) {
  ASSERT_NO_FATAL_FAILURE(startGate(yaml()));
  gate().rewriteConfig(yaml("bogus: 1\n"));
  const size_t from = gate().logSize();
  gate().sendSignal(SIGUSR2);
  EXPECT_TRUE(gate().waitForLog(kUpgradeFailed, Millis{10'000}, from));
  EXPECT_EQ(requestOnNewConnection(true, "/still"), "");
  gate().sendSignal(SIGTERM);
  EXPECT_EQ(gate().waitExit(Millis{10'000}), 0);
}

}  // namespace
}  // namespace httpgate::test
