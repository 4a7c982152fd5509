// The status page on the admin endpoint (/): served with its own stylesheet
// and script, and in a real browser (headless chromium) the script
// refreshes it from /status.json and draws the traffic chart; the numbers
// the browser shows are those of /status.json. A screenshot of it is saved
// as status-page.png in the build directory. Skipped with a clear message
// when chromium is not installed (the README's test command installs it).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/backend.h"
#include "tests/support/child_process.h"
#include "tests/support/chromium.h"
#include "tests/support/client.h"
#include "tests/support/dead_ports.h"
#include "tests/support/files.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"
#include "tests/support/metrics_page.h"

namespace httpgate::test {
namespace {

using json = nlohmann::json;

class StatusPageTest : public GateTest {
 protected:
  void start() {
    ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(
        cert_, backend_.port(), "", "log:\n  access: \"off\"\nadmin:\n  listen: 127.0.0.1:0\n")));
    adminPort_ = adminPortOf(gate());
    ASSERT_NE(adminPort_, 0) << "no \"admin listening on\" line";
    admin_ = "http://127.0.0.1:" + std::to_string(adminPort_);
  }

  HttpResponse get(const std::string& path) {
    Client client = Client::plain(adminPort_);
    EXPECT_TRUE(client.connected()) << client.error();
    return client.exchange(getRequest(path));
  }

  // Four requests answered 200 and two 502, and the status document once
  // its history holds them all (the admin thread samples once a second).
  json knownTraffic() {
    Client client = Client::tls(tlsPort());
    EXPECT_TRUE(client.connected()) << client.error();
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(client.exchange(getRequest("/")).status, 200);
    }
    const uint16_t dead = refusingPort();
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(client.exchange(getRequest("/" + std::to_string(dead) + "/")).status, 502);
    }
    json status;
    for (int round = 0; round < 100; ++round) {
      status = json::parse(get("/status.json").body, nullptr, false);
      uint64_t served = 0;
      if (!status.is_discarded()) {
        for (const json& n : status["traffic"]["history"]["requests"]["2xx"]) {
          served += n.get<uint64_t>();
        }
      }
      if (served == 4) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return status;
  }

  Backend backend_;
  uint16_t adminPort_ = 0;
  std::string admin_;
};

TEST_F(StatusPageTest, ThePageAndItsAssets) {
  ASSERT_NO_FATAL_FAILURE(start());
  const HttpResponse page = get("/");
  EXPECT_EQ(page.status, 200) << page.describe();
  EXPECT_EQ(page.field("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<link rel=\"stylesheet\" href=\"/status.css\">"), std::string::npos);
  EXPECT_NE(page.body.find("<td>127.0.0.1:" + std::to_string(tlsPort()) + "</td>"),
            std::string::npos)
      << page.body;
  const HttpResponse css = get("/status.css");
  EXPECT_EQ(css.status, 200);
  EXPECT_EQ(css.field("Content-Type"), "text/css; charset=utf-8");
  const HttpResponse js = get("/status.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.field("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_NE(js.body.find("/status.json"), std::string::npos);
  // Never on a client listener: there / is the application's.
  Client client = Client::tls(tlsPort());
  const HttpResponse app = client.exchange(getRequest("/status.json"));
  EXPECT_NE(app.field("Content-Type"), std::optional<std::string>("application/json"));
  EXPECT_EQ(backend_.requestCount(), 1U) << "the backend answered /status.json";
}

TEST_F(StatusPageTest, ABrowserSeesTheNumbersOfStatusJson) {
  const std::string chromium = chromiumPath();
  if (chromium.empty()) {
    GTEST_SKIP() << "chromium is not installed (apt-get install chromium); "
                    "the headless-browser test needs it";
  }
  ASSERT_NO_FATAL_FAILURE(start());
  const json status = knownTraffic();
  ASSERT_FALSE(status.is_discarded());
  const std::string profile = dir_.file("chromium-profile");

  // Virtual time lets the page's 2-second refresh run a few times at once.
  std::vector<std::string> argv = headlessChromium(chromium, profile);
  argv.insert(argv.end(), {"--virtual-time-budget=7000", "--dump-dom", admin_ + "/"});
  const RunResult dom = runProcess(argv, Millis{90'000});
  killProcessesWith(profile);
  ASSERT_EQ(dom.exitCode, 0) << dom.err;

  // The chart was drawn by the script (more than once: it refreshed), one
  // line per status class, over the samples of the history.
  std::smatch chart;
  ASSERT_TRUE(std::regex_search(
      dom.out, chart,
      std::regex("<svg id=\"chart\"[^>]*data-samples=\"([0-9]+)\" data-drawn=\"([0-9]+)\"")))
      << dom.out;
  EXPECT_GE(std::stoi(chart[1]), 1);
  EXPECT_GE(std::stoi(chart[2]), 2) << "the page did not refresh itself";
  size_t lines = 0;
  for (size_t at = dom.out.find("<polyline"); at != std::string::npos;
       at = dom.out.find("<polyline", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 5U);

  // What the browser shows is what /status.json says.
  const json now = json::parse(get("/status.json").body);
  for (const char* cls : {"2xx", "5xx", "4xx"}) {
    const std::string shown = "<span data-path=\"traffic.requests." + std::string(cls) + "\">" +
                              now["traffic"]["requests"][cls].dump() + "</span>";
    EXPECT_NE(dom.out.find(shown), std::string::npos) << shown << "\n" << dom.out;
  }
  EXPECT_EQ(now["traffic"]["requests"]["2xx"], 4);
  EXPECT_EQ(now["traffic"]["requests"]["5xx"], 2);
  EXPECT_NE(dom.out.find("<span data-path=\"backends.connect_failures.refused\">2</span>"),
            std::string::npos);

  // A screenshot, for a person to look at (not compared).
  const std::string screenshot = std::string(HTTPGATE_BUILD_DIR) + "/status-page.png";
  std::vector<std::string> shot = headlessChromium(chromium, profile);
  shot.insert(shot.end(), {"--window-size=1280,900", "--virtual-time-budget=5000",
                           "--screenshot=" + screenshot, admin_ + "/"});
  const RunResult taken = runProcess(shot, Millis{90'000});
  killProcessesWith(profile);
  EXPECT_EQ(taken.exitCode, 0) << taken.err;
  const std::optional<std::string> png = readFile(screenshot);
  ASSERT_TRUE(png.has_value()) << screenshot;
  EXPECT_EQ(png->substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

}  // namespace
}  // namespace httpgate::test
