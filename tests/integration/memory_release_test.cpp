// Memory given back after a burst (issue 12): 2,000 TLS connections open,
// each with one request, are held, then all closed; the gate's anonymous
// memory must come back near its level before the burst instead of keeping
// the peak. Observed from outside, in /proc/PID/status, as an operator
// would see it.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/backend.h"
#include "tests/support/client.h"
#include "tests/support/deadline.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/proc_info.h"

namespace httpgate::test {
namespace {

// 2,000 as in the issue: each idle TLS connection holds about 15 KiB in the
// gate, so the burst's peak is about 30 MiB above the baseline, twice the
// bound; with a few hundred the peak would sit inside it and prove nothing.
// Opening them takes a few seconds on loopback.
constexpr size_t kConnections = 2000;
constexpr unsigned kOpeners = 4;
// Generous: the gate aims at 10 MiB within 10 s.
constexpr long kBoundKib = 16 * 1024;
constexpr Millis kWatch{15'000};

// Raises the descriptor limit for the held connections (the gate inherits
// it); false when the hard limit is too low.
bool fitDescriptors(rlim_t needed) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur >= needed) {
    return true;
  }
  if (limit.rlim_max < needed) {
    return false;
  }
  limit.rlim_cur = needed;
  return setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

class MemoryReleaseTest : public GateTest {
 protected:
  long rssAnon() {
    const std::optional<long> kib = rssAnonKib(gate().pid());
    EXPECT_TRUE(kib) << "no RssAnon for the gate";
    return kib.value_or(0);
  }

  // Opens `count` TLS connections, each after one request; the good ones
  // are appended to `held`, the number of failures returned.
  size_t open(size_t count, std::vector<Client>& held) {
    std::mutex mutex;
    std::atomic<size_t> failures{0};
    std::vector<std::thread> openers;
    for (unsigned i = 0; i < kOpeners; ++i) {
      const size_t share = count / kOpeners + (i < count % kOpeners ? 1 : 0);
      openers.emplace_back([&, share] {
        std::vector<Client> mine;
        for (size_t n = 0; n < share; ++n) {
          Client client = Client::tls(tlsPort());
          if (!client.connected() || client.exchange(getRequest("/burst")).status != 200) {
            ++failures;
            continue;
          }
          mine.push_back(std::move(client));
        }
        std::lock_guard lock(mutex);
        std::move(mine.begin(), mine.end(), std::back_inserter(held));
      });
    }
    for (std::thread& opener : openers) {
      opener.join();
    }
    return failures.load();
  }
};

TEST_F(MemoryReleaseTest, BurstOfTlsConnectionsIsGivenBackAfterTheyClose) {
  if (!fitDescriptors(kConnections + 256)) {
    GTEST_SKIP() << "the descriptor hard limit is below " << kConnections + 256;
  }
  Backend backend;
  ASSERT_NO_FATAL_FAILURE(
      startGate(standardGateYaml(cert_, backend.port(), "", "log:\n  access: \"off\"\n")));
  {
    std::vector<Client> warmUp;
    ASSERT_EQ(open(20, warmUp), 0U);
  }
  std::this_thread::sleep_for(Millis{500});
  const long base = rssAnon();

  std::vector<Client> held;
  held.reserve(kConnections);
  ASSERT_EQ(open(kConnections, held), 0U);
  const long peak = rssAnon();
  // The test means something only if the burst went well past the bound.
  ASSERT_GT(peak - base, kBoundKib) << "baseline " << base << " KiB, peak " << peak << " KiB";
  held.clear();

  const Deadline deadline(kWatch);
  long now = rssAnon();
  while (now - base > kBoundKib && !deadline.expired()) {
    std::this_thread::sleep_for(Millis{250});
    now = rssAnon();
  }
  EXPECT_LE(now - base, kBoundKib)
      << "baseline " << base << " KiB, peak " << peak << " KiB, still " << now << " KiB "
      << kWatch.count() / 1000 << " s after the last close";
}

}  // namespace
}  // namespace httpgate::test
