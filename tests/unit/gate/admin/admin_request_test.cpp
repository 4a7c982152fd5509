// The admin endpoint's request handling without sockets: which answer each
// request gets, and the response bytes.
#include "gate/admin/admin_request.h"

#include <gtest/gtest.h>

#include <string>

namespace httpgate::gate {
namespace {

TEST(AdminRequest, WaitsForTheWholeHead) {
  EXPECT_FALSE(classifyAdminRequest("").complete);
  EXPECT_FALSE(classifyAdminRequest("GET /metrics HTTP/1.1\r\nHost: x\r\n").complete);
}

TEST(AdminRequest, KnownPages) {
  AdminRequest metrics = classifyAdminRequest("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(metrics.complete);
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.page, AdminPage::Metrics);
  EXPECT_FALSE(metrics.headOnly);
  AdminRequest health = classifyAdminRequest("HEAD /healthz?probe=1 HTTP/1.0\r\n\r\n");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.page, AdminPage::Health);
  EXPECT_TRUE(health.headOnly);
}

TEST(AdminRequest, UnknownPathIs404) {
  EXPECT_EQ(classifyAdminRequest("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n").status, 404);
  EXPECT_EQ(classifyAdminRequest("GET /metrics/ HTTP/1.1\r\nHost: x\r\n\r\n").status, 404);
  EXPECT_EQ(classifyAdminRequest("POST /other HTTP/1.1\r\nHost: x\r\n\r\n").status, 404);
}

TEST(AdminRequest, OtherMethodIs405) {
  EXPECT_EQ(classifyAdminRequest("POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n").status, 405);
  EXPECT_EQ(classifyAdminRequest("DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status, 405);
}

TEST(AdminRequest, MalformedIs400) {
  EXPECT_EQ(classifyAdminRequest("GARBAGE\r\n\r\n").status, 400);
  EXPECT_EQ(classifyAdminRequest("GET /metrics HTTP/1.1\r\nBad Header\r\n\r\n").status, 400);
}

TEST(AdminRequest, OversizedHeadIsRefused) {
  std::string big = "GET /metrics HTTP/1.1\r\nX: " + std::string(kMaxAdminRequest, 'a');
  const AdminRequest request = classifyAdminRequest(big);
  EXPECT_TRUE(request.complete);
  EXPECT_EQ(request.status, 431);
}

// The fields every admin answer carries after its length.
const std::string kPolicy =
    "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'\r\nX-Content-Type-Options: nosniff\r\n"
    "Referrer-Policy: no-referrer\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n";

TEST(AdminResponse, ClosesAndNamesItsLength) {
  EXPECT_EQ(formatAdminResponse(200, "text/plain", "ok\n", false),
            "HTTP/1.1 200 OK\r\nServer: httpgate\r\nContent-Type: text/plain\r\n"
            "Content-Length: 3\r\n" +
                kPolicy + "ok\n");
  EXPECT_EQ(formatAdminResponse(200, "text/plain", "ok\n", true),
            "HTTP/1.1 200 OK\r\nServer: httpgate\r\nContent-Type: text/plain\r\n"
            "Content-Length: 3\r\n" +
                kPolicy);
}

TEST(AdminResponse, MethodNotAllowedSaysWhatIs) {
  const std::string response = formatAdminResponse(405, "text/plain", "x\n", false);
  EXPECT_NE(response.find("\r\nAllow: GET, HEAD\r\n"), std::string::npos) << response;
}

}  // namespace
}  // namespace httpgate::gate

namespace httpgate::gate {
namespace {

TEST(AdminRequest, CarriesTheAuthorizationField) {
  const AdminRequest none = classifyAdminRequest("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(none.parsed);
  EXPECT_FALSE(none.openPath);
  EXPECT_FALSE(none.authorization);
  const AdminRequest one =
      classifyAdminRequest("GET /nowhere HTTP/1.1\r\nHost: x\r\nauthorization: Basic Og==\r\n\r\n");
  EXPECT_EQ(one.status, 404);
  EXPECT_TRUE(one.parsed);
  EXPECT_EQ(one.authorization, "Basic Og==");
  const AdminRequest two = classifyAdminRequest(
      "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Basic Og==\r\nAuthorization: Basic "
      "Og==\r\n\r\n");
  EXPECT_EQ(two.authorization, "");
}

TEST(AdminRequest, OnlyHealthzIsOpen) {
  EXPECT_TRUE(classifyAdminRequest("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").openPath);
  EXPECT_TRUE(classifyAdminRequest("POST /healthz?x HTTP/1.1\r\nHost: x\r\n\r\n").openPath);
  EXPECT_FALSE(classifyAdminRequest("GET /healthz/ HTTP/1.1\r\nHost: x\r\n\r\n").openPath);
  EXPECT_FALSE(classifyAdminRequest("GET / HTTP/1.1\r\nHost: x\r\n\r\n").openPath);
  EXPECT_FALSE(classifyAdminRequest("GARBAGE\r\n\r\n").parsed);
}

TEST(AdminResponse, Unauthorized) {
  EXPECT_EQ(formatAdminResponse(401, "text/plain; charset=utf-8", "Unauthorized\n", false),
            "HTTP/1.1 401 Unauthorized\r\nServer: httpgate\r\n"
            "WWW-Authenticate: Basic realm=\"httpgate\"\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\n" +
                kPolicy + "Unauthorized\n");
}

}  // namespace
}  // namespace httpgate::gate
