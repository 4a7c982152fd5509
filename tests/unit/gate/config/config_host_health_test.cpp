// routes.hosts[].fail_after and .down_for as loaded (config_host_health.cpp),
// with their errors, and the rule for a host named by several ranges.
#include <gtest/gtest.h>

#include "config_test_support.h"
#include "gate/config/config.h"

namespace httpgate::gate {
namespace {

using testing::fails;
using testing::loads;
using testing::withListener;

// routes.hosts with one entry per element of `entries`, each the lines of
// an entry after "- " (indented by 6). The first entry's "- " is on line 5.
std::string hosts(const std::vector<std::string>& entries) {
  std::string text = "routes:\n  hosts:\n";
  for (const std::string& entry : entries) {
    text += "    - " + entry;
  }
  return withListener(text);
}

TEST(ConfigHostHealth, DefaultsAreThreeFailuresAndTenSeconds) {
  const Config config = loads(hosts({"range: 20000-29999\n      host: 10.0.0.5\n"}));
  ASSERT_EQ(config.routes.hosts.size(), 1u);
  EXPECT_EQ(config.routes.hosts[0].failAfter, 3u);
  EXPECT_EQ(config.routes.hosts[0].downFor, Duration{10'000});
}

TEST(ConfigHostHealth, Values) {
  const Config config = loads(hosts(
      {"range: 20000-29999\n      host: 10.0.0.5\n      fail_after: 1\n      down_for: 500ms\n",
       "range: 30000\n      host: 10.0.0.6\n      fail_after: \"1000\"\n      down_for: 2m\n"}));
  ASSERT_EQ(config.routes.hosts.size(), 2u);
  EXPECT_EQ(config.routes.hosts[0].failAfter, 1u);
  EXPECT_EQ(config.routes.hosts[0].downFor, Duration{500});
  EXPECT_EQ(config.routes.hosts[1].failAfter, 1000u);
  EXPECT_EQ(config.routes.hosts[1].downFor, Duration{120'000});
}

TEST(ConfigHostHealth, Errors) {
  EXPECT_EQ(fails(hosts({"range: 20000\n      host: 10.0.0.5\n      fail_after: 0\n"})),
            "test.yaml:7:19: routes.hosts[0].fail_after: expected a number from 1 to 1000");
  EXPECT_EQ(fails(hosts({"range: 20000\n      host: 10.0.0.5\n      fail_after: 1001\n"})),
            "test.yaml:7:19: routes.hosts[0].fail_after: expected a number from 1 to 1000");
  EXPECT_EQ(fails(hosts({"range: 20000\n      host: 10.0.0.5\n      fail_after: -1\n"})),
            "test.yaml:7:19: routes.hosts[0].fail_after: expected a number from 1 to 1000");
  EXPECT_EQ(fails(hosts({"range: 20000\n      host: 10.0.0.5\n      down_for: 0s\n"})),
            "test.yaml:7:17: routes.hosts[0].down_for: duration must be greater than zero");
  EXPECT_EQ(
      fails(hosts({"range: 20000\n      host: 10.0.0.5\n      down_for: 10\n"})),
      "test.yaml:7:17: routes.hosts[0].down_for: invalid duration \"10\" (use ms, s, m, h or d)");
  EXPECT_EQ(fails(hosts({"range: 20000\n      host: 10.0.0.5\n      down_for: [1s]\n"})),
            "test.yaml:7:17: routes.hosts[0].down_for: expected a duration such as 500ms, 30s, "
            "5m or 1h");
  EXPECT_EQ(fails(hosts({"range: 20000\n      host: 10.0.0.5\n      fail_afer: 2\n"})),
            "test.yaml:7:7: routes.hosts[0].fail_afer: unknown key");
}

// The health state is kept per host name: a later range of the same host
// takes the first one's values, may repeat them, and may not differ.
TEST(ConfigHostHealth, RangesOfOneHostShareTheFirstRangesValues) {
  const Config config = loads(
      hosts({"range: 20000\n      host: 10.0.0.5\n      fail_after: 2\n      down_for: 3s\n",
             "range: 30000\n      host: 10.0.0.6\n", "range: 40000\n      host: 10.0.0.5\n",
             "range: 50000\n      host: 10.0.0.5\n      fail_after: 2\n      down_for: 3000ms\n"}));
  ASSERT_EQ(config.routes.hosts.size(), 4u);
  EXPECT_EQ(config.routes.hosts[1].failAfter, 3u);
  EXPECT_EQ(config.routes.hosts[2].failAfter, 2u);
  EXPECT_EQ(config.routes.hosts[2].downFor, Duration{3000});
  EXPECT_EQ(config.routes.hosts[3].failAfter, 2u);

  EXPECT_EQ(fails(hosts({"range: 20000\n      host: 10.0.0.5\n      fail_after: 2\n",
                         "range: 30000\n      host: 10.0.0.5\n      fail_after: 4\n"})),
            "test.yaml:10:19: routes.hosts[1].fail_after: host 10.0.0.5 already has fail_after 2 "
            "from routes.hosts[0] (the ranges of one host share its health: set it on the first)");
  // The first range's default counts as its value.
  EXPECT_EQ(
      fails(hosts({"range: 20000\n      host: 10.0.0.5\n", "range: 30000\n      host: 10.0.0.6\n",
                   "range: 40000\n      host: 10.0.0.5\n      down_for: 5s\n"})),
      "test.yaml:11:17: routes.hosts[2].down_for: host 10.0.0.5 already has down_for "
      "10000ms from routes.hosts[0] (the ranges of one host share its health: set it on "
      "the first)");
}

}  // namespace
}  // namespace httpgate::gate
