// The /status.json document from known inputs: the fields the schema in
// httpgate.yaml(5) promises, sums over the workers, the reload record, and
// text that is not UTF-8 (a config path, an error) rendered, not thrown.
#include "gate/admin/status_report.h"

#include <gtest/gtest.h>

#include <memory>

namespace httpgate::gate {
namespace {

using json = nlohmann::json;

class StatusReportTest : public ::testing::Test {
 protected:
  StatusReportTest() {
    for (int i = 0; i < 2; ++i) {
      auto worker = std::make_shared<WorkerMetrics>(2);
      worker->countRequest(200, RouteKind::Port);
      worker->countRequest(404, RouteKind::Local);
      worker->handshakes[0].completed.add(3);
      worker->handshakes[0].failed[static_cast<size_t>(HandshakeFailure::Closed)].add();
      worker->connectFailures[static_cast<size_t>(ConnectFailure::Timeout)].add();
      worker->openConnections[0].add(2);
      worker->openConnections[1].add(1);
      workers_.push_back(worker);
    }
    sources_.workers = {workers_.begin(), workers_.end()};
    sources_.listenerLabels = {"127.0.0.1:8443", "127.0.0.1:8080"};
    sources_.process = &processMetrics();
    sources_.version = "9.9.9";
    auto config = std::make_shared<Config>();
    config->file = "/etc/httpgate/httpgate.yaml";
    config->listeners.resize(2);
    config->listeners[0].tls = TlsConfig{};
    config->listeners[0].http2 = false;
    AppConfig app;
    app.name = "shop";
    app.port = 12345;
    config->routes.apps.push_back(app);
    inputs_.metrics = &sources_;
    inputs_.board.config = config;
    inputs_.board.configLoadedAtSeconds = 1000;
    inputs_.nowSeconds = 2000;
    inputs_.listeningPorts = {12345};
  }

  std::vector<std::shared_ptr<WorkerMetrics>> workers_;
  MetricsSources sources_;
  StatusInputs inputs_;
};

TEST_F(StatusReportTest, SumsOverTheWorkers) {
  const json s = statusJson(inputs_);
  EXPECT_EQ(s["version"], kStatusVersion);
  EXPECT_EQ(s["now"], 2000);
  EXPECT_EQ(s["traffic"]["requests"]["2xx"], 2);
  EXPECT_EQ(s["traffic"]["requests"]["4xx"], 2);
  EXPECT_EQ(s["traffic"]["requests"]["5xx"], 0);
  EXPECT_EQ(s["tls_handshakes"]["total"], 6);
  EXPECT_EQ(s["tls_handshakes"]["failures"]["closed"], 2);
  EXPECT_EQ(s["listeners"][0]["tls_handshakes"]["total"], 6);
  EXPECT_EQ(s["listeners"][0]["tls_handshakes"]["failures"]["closed"], 2);
  EXPECT_EQ(s["listeners"][0]["tls_handshakes"]["failures"]["timeout"], 0);
  EXPECT_EQ(s["listeners"][1]["tls"], false);
  EXPECT_TRUE(s["listeners"][1]["tls_handshakes"].is_null());
  EXPECT_EQ(s["listeners"][1]["open_connections"], 2);
  EXPECT_EQ(s["backends"]["connect_failures"]["timeout"], 2);
  EXPECT_EQ(s["listeners"][0]["open_connections"], 4);
  EXPECT_EQ(s["listeners"][0]["tls"], true);
  // http2: false: the listener offers HTTP/1.1 alone.
  EXPECT_EQ(s["listeners"][0]["protocols"], json::array({"http/1.1"}));
  EXPECT_EQ(s["gate"]["version"], "9.9.9");
  EXPECT_EQ(s["gate"]["config_file"], "/etc/httpgate/httpgate.yaml");
  EXPECT_EQ(s["gate"]["workers"].size(), 2U);
  EXPECT_EQ(s["apps"][0]["listening"], true);
}

TEST_F(StatusReportTest, TheLastReloadAndTheAppsLastStart) {
  inputs_.board.lastReload = ReloadRecord{1500, false, "f.yaml:3:7: routes.default: not a port"};
  inputs_.board.appStarts["shop"] = AppStartRecord{1600, false, "exited with 1"};
  const json s = statusJson(inputs_);
  EXPECT_EQ(
      s["gate"]["last_reload"],
      json({{"at", 1500}, {"ok", false}, {"error", "f.yaml:3:7: routes.default: not a port"}}));
  EXPECT_EQ(s["apps"][0]["last_start"],
            json({{"at", 1600}, {"ok", false}, {"message", "exited with 1"}}));
}

TEST_F(StatusReportTest, TheSlowestRequestsOfEveryWorkerSlowestFirst) {
  const auto slow = [](const char* method, const char* target, uint64_t ms, uint16_t port) {
    SlowRequest r;
    r.setRequest(method, target);
    r.startedAt = 1990;
    r.durationUs = ms * 1000;
    r.status = 200;
    r.backendPort = port;
    return r;
  };
  workers_[0]->slowRequests.keep(slow("GET", "/slow?token=secret", 300, 40001), 1995);
  workers_[0]->slowRequests.keep(slow("GET", "/a", 5, 0), 1995);
  workers_[1]->slowRequests.keep(slow("POST", "/b", 50, 40002), 1995);
  const json slowest = statusJson(inputs_)["traffic"]["slowest"];
  ASSERT_EQ(slowest.size(), 3U) << slowest.dump();
  EXPECT_EQ(slowest[0], json({{"started_at", 1990},
                              {"method", "GET"},
                              {"path", "/slow"},
                              {"path_truncated", false},
                              {"status", 200},
                              {"duration_ms", 300.0},
                              {"backend_port", 40001}}));
  EXPECT_EQ(slowest[1]["path"], "/b");
  EXPECT_EQ(slowest[1]["method"], "POST");
  EXPECT_EQ(slowest[2]["path"], "/a");
  EXPECT_EQ(slowest[2]["backend_port"], 0);
}

TEST_F(StatusReportTest, TextThatIsNotUtf8IsRenderedNotThrown) {
  inputs_.board.lastReload = ReloadRecord{1500, false, "bad \xff\xfe byte"};
  std::string text;
  ASSERT_NO_THROW(text = renderStatusJson(inputs_));
  const json s = json::parse(text);
  EXPECT_EQ(s["gate"]["last_reload"]["error"], "bad \xEF\xBF\xBD\xEF\xBF\xBD byte");
}

}  // namespace
}  // namespace httpgate::gate
