// The status page's HTML from a status document: every value that came
// from a client or a configuration (paths, names, error texts, addresses)
// escaped, the fields the script refreshes marked, certificates close to
// expiry marked.
#include "gate/admin/status_page.h"

#include <gtest/gtest.h>

namespace httpgate::gate {
namespace {

using json = nlohmann::json;

json document() {
  const std::string evil = "<script>alert('x')</script>&\"";
  return {
      {"version", 1},
      {"now", 1796560000},
      {"gate",
       {{"version", "0.1.0"},
        {"pid", 42},
        {"started_at", 1796550000},
        {"uptime_seconds", 10000},
        {"config_file", "/etc/" + evil + ".yaml"},
        {"config_loaded_at", 1796550000},
        {"last_reload", {{"at", 1796555000}, {"ok", false}, {"error", "f:1:2: " + evil}}},
        {"workers", json::array({{{"index", 0}, {"loop_lag_ms", 0.5}, {"responding", true}}})}}},
      {"listeners", json::array({{{"address", "[::]:443"},
                                  {"tls", true},
                                  {"protocols", json::array({"h2", "http/1.1"})},
                                  {"open_connections", 3}}})},
      {"tls_handshakes", {{"total", 5}, {"failures", {{"timeout", 1}}}}},
      {"traffic",
       {{"requests", {{"1xx", 0}, {"2xx", 7}, {"3xx", 0}, {"4xx", 1}, {"5xx", 2}}},
        {"bytes_in", 100},
        {"bytes_out", 200},
        {"slowest", json::array({{{"method", "GET"},
                                  {"path", "/40001/" + evil},
                                  {"status", 200},
                                  {"duration_ms", 1234.5},
                                  {"backend_port", 40001},
                                  {"started_at", 1796559990}}})}}},
      {"backends",
       {{"connect_failures", {{"refused", 2}}},
        {"ports", json::array({{{"port", 40001},
                                {"address", "127.0.0.1"},
                                {"tls", false},
                                {"active", 1},
                                {"pooled", 2}}})},
        {"hosts", json::array({{{"host", evil},
                                {"up", false},
                                {"last_failure", {{"at", 1796559000}, {"reason", evil}}}}})}}},
      {"apps", json::array({{{"name", evil},
                             {"port", 8080},
                             {"listening", false},
                             {"start_command", true},
                             {"log", "/var/log/" + evil},
                             {"last_start", {{"at", 1}, {"ok", false}, {"message", evil}}}}})},
      {"certificates", json::array({{{"file", "a.pem"}, {"days_left", 5}},
                                    {{"file", "b.pem"}, {"days_left", 20}},
                                    {{"file", "c.pem"}, {"days_left", 90}}})}};
}

TEST(StatusPageTest, EveryValueFromOutsideIsEscaped) {
  const std::string html = renderStatusPage(document());
  EXPECT_EQ(html.find("<script>alert"), std::string::npos) << html;
  EXPECT_EQ(html.find("'x'"), std::string::npos);
  // Config path, reload error, a slow request's path, host, its last
  // failure, app name, its log and its start message.
  size_t escaped = 0;
  for (size_t at = html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;");
       at != std::string::npos;
       at = html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;", at + 1)) {
    ++escaped;
  }
  EXPECT_EQ(escaped, 8U) << html;
  // The page's own script is the only one, and it is the gate's.
  EXPECT_NE(html.find("<script src=\"/status.js\" defer></script>"), std::string::npos);
}

TEST(StatusPageTest, FieldsTheScriptRefreshes) {
  const std::string html = renderStatusPage(document());
  EXPECT_NE(html.find("<span data-path=\"traffic.requests.2xx\">7</span>"), std::string::npos);
  EXPECT_NE(html.find("<span data-path=\"traffic.requests.5xx\">2</span>"), std::string::npos);
  EXPECT_NE(html.find("<td>[::]:443</td><td>yes</td><td>h2, http/1.1</td><td>3</td>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<svg id=\"chart\""), std::string::npos);
  EXPECT_NE(html.find("class=\"bad\">failed"), std::string::npos);
}

TEST(StatusPageTest, SlowRequestsPortsAndHostFailuresAreShown) {
  const std::string html = renderStatusPage(document());
  EXPECT_NE(html.find("<td>1234.5</td><td>GET</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td>40001</td><td>2026-12-06 12:26:30 UTC</td>"), std::string::npos)
      << "backend port, then the start as a date";
  EXPECT_NE(html.find("<td>40001</td><td>127.0.0.1</td><td>no</td><td>1</td><td>2</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td>no</td><td>2026-12-06 12:10:00 UTC</td>"), std::string::npos)
      << "the host is down since its last failure";
}

TEST(StatusPageTest, AMissingPartIsShownAsADash) {
  // A document with nothing but its version: every value "-", no crash.
  const std::string html = renderStatusPage(json{{"version", 1}});
  EXPECT_NE(html.find("<span data-path=\"gate.pid\">-</span>"), std::string::npos) << html;
  EXPECT_NE(html.find("none since the start"), std::string::npos);
}

TEST(StatusPageTest, CertificatesCloseToExpiryStandOut) {
  const std::string html = renderStatusPage(document());
  EXPECT_NE(html.find("<td class=\"alarm\">5</td>"), std::string::npos) << html;
  EXPECT_NE(html.find("<td class=\"warn\">20</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>90</td>"), std::string::npos);
}

TEST(StatusPageTest, EscapeHtml) {
  EXPECT_EQ(escapeHtml("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(escapeHtml("plain"), "plain");
}

}  // namespace
}  // namespace httpgate::gate
