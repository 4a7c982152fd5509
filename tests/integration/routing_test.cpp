// Routing by URL alone: /<port>/rest, app names with prefixes, redirect
// apps, the default port, and refused ports, over keep-alive connections.
#include <gtest/gtest.h>

#include "tests/support/backend.h"
#include "tests/support/client.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"

namespace httpgate::test {
namespace {

class RoutingTest : public GateTest {
 protected:
  void SetUp() override {
    GateTest::SetUp();
    const std::string routes = fillIn(R"(  ports:
    deny: [{denied}]
  apps:
    shop:
      port: {b}
      prefix: "/pre"
    bare:
      port: {a}
    old:
      redirect: "https://example.org/new"
)",
                                      {{"denied", std::to_string(denied_.port())},
                                       {"a", std::to_string(a_.port())},
                                       {"b", std::to_string(b_.port())}});
    ASSERT_NO_FATAL_FAILURE(startGate(standardGateYaml(cert_, fallback_.port(), routes)));
    client_ = Client::tls(tlsPort());
    ASSERT_TRUE(client_.connected()) << client_.error();
  }

  // GETs `target` on the one connection and expects the answer of
  // `backend` saying it received `expectedTarget`.
  void expectRouted(std::string_view target, const Backend& backend,
                    std::string_view expectedTarget) {
    const HttpResponse response = client_.exchange(getRequest(target));
    ASSERT_TRUE(response.complete) << target << ": " << response.describe();
    EXPECT_EQ(response.status, 200) << target;
    EXPECT_EQ(response.body, Backend::defaultBody(backend.port(), expectedTarget)) << target;
  }

  Backend a_;
  Backend b_;
  Backend fallback_;
  Backend denied_;
  Client client_;
};

TEST_F(RoutingTest, KeepAliveRequestsReachDifferentPortsOnOneTlsConnection) {
  expectRouted(pathTo(a_, "/a"), a_, "/a");
  expectRouted(pathTo(b_, "/b"), b_, "/b");
  expectRouted(pathTo(a_, "/a2"), a_, "/a2");
  EXPECT_EQ(a_.requestCount(), 2U);
  EXPECT_EQ(b_.requestCount(), 1U);
  EXPECT_EQ(fallback_.requestCount(), 0U);
}

TEST_F(RoutingTest, PortAloneForwardsRootAndKeepsQuery) {
  const std::string port = std::to_string(a_.port());
  expectRouted("/" + port, a_, "/");
  expectRouted("/" + port + "?x=1", a_, "/?x=1");
  expectRouted("/" + port + "/", a_, "/");
}

TEST_F(RoutingTest, PercentEncodingAndQueryAreUntouched) {
  const std::string rest = "/p%2Fq%20r/%7Euser/a+b?x=%41&y=a%2Bb&z=/1/2";
  expectRouted(pathTo(a_, rest), a_, rest);
}

TEST_F(RoutingTest, UnknownFirstSegmentGoesToDefaultPortWithPathUntouched) {
  expectRouted("/unknown/x?y=1", fallback_, "/unknown/x?y=1");
  expectRouted("/", fallback_, "/");
  expectRouted("/12ab/x", fallback_, "/12ab/x");
  expectRouted("/index.html", fallback_, "/index.html");
}

TEST_F(RoutingTest, AppNameGoesToItsPortWithItsPrefix) {
  expectRouted("/shop/cart?id=7", b_, "/pre/cart?id=7");
  expectRouted("/bare/z", a_, "/z");
}

TEST_F(RoutingTest, RedirectAppAnswers302WithLocation) {
  const HttpResponse response = client_.exchange(getRequest("/old"));
  EXPECT_TRUE(isGateResponse(response, 302, false, "https://example.org/new"));
  // The connection stays usable after a gate-made redirect.
  expectRouted(pathTo(a_, "/after"), a_, "/after");
}

TEST_F(RoutingTest, PortOutsideAllowIs403) {
  const HttpResponse response = client_.exchange(getRequest("/1000/x"));
  EXPECT_TRUE(isGateResponse(response, 403, false));
  expectRouted(pathTo(a_, "/after"), a_, "/after");
  EXPECT_EQ(fallback_.requestCount(), 0U);
}

TEST_F(RoutingTest, DeniedPortIs403AndNeverContacted) {
  const HttpResponse response = client_.exchange(getRequest(pathTo(denied_, "/secret")));
  EXPECT_TRUE(isGateResponse(response, 403, false));
  expectRouted(pathTo(a_, "/after"), a_, "/after");
  EXPECT_EQ(denied_.connectionCount(), 0U);
}

TEST_F(RoutingTest, RefusedRequestWithABodyClosesTheConnection) {
  // The gate answers without reading the body, so the connection must end:
  // kept open, it would read the body as the next request.
  const HttpResponse response =
      client_.exchange(postRequest(pathTo(denied_, "/x"), getRequest("/smuggled")));
  EXPECT_TRUE(isGateResponse(response, 403, true));
  EXPECT_TRUE(client_.waitClosed(Millis{3000})) << "the gate kept the connection open";
  EXPECT_EQ(fallback_.requestCount(), 0U);
  EXPECT_EQ(denied_.connectionCount(), 0U);
}

}  // namespace
}  // namespace httpgate::test
