// A plain listener with redirect_https: every request gets a 308 to the
// same host and target on https, naming the TLS listener's port (not 443).
#include <gtest/gtest.h>

#include "tests/support/backend.h"
#include "tests/support/client.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"

namespace httpgate::test {
namespace {

class RedirectTest : public GateTest {
 protected:
  void SetUp() override {
    GateTest::SetUp();
    const std::string yaml =
        "listen:\n" + tlsListenerYaml({cert_}) + plainListenerYaml("127.0.0.1:0", true) +
        "workers: 2\nroutes:\n  default: " + std::to_string(backend_.port()) + "\n";
    ASSERT_NO_FATAL_FAILURE(startGate(yaml));
    ASSERT_EQ(gate().listeners().size(), 2U);
    ASSERT_EQ(gate().listeners()[1].kind, "redirect");
  }

  Backend backend_;
};

TEST_F(RedirectTest, PlainRequestGets308ToHttpsWithTheTlsPort) {
  Client client = Client::plain(gate().port(1));
  ASSERT_TRUE(client.connected()) << client.error();
  const std::string tls = std::to_string(tlsPort());
  const HttpResponse withPort =
      client.exchange(getRequest("/40001/a~b?x=1&y=%20", "", "example.org:8080"));
  EXPECT_TRUE(
      isGateResponse(withPort, 308, false, "https://example.org:" + tls + "/40001/a~b?x=1&y=%20"));
  // Same connection, a Host without a port.
  const HttpResponse bare = client.exchange(getRequest("/", "", "example.org"));
  EXPECT_TRUE(isGateResponse(bare, 308, false, "https://example.org:" + tls + "/"));
  EXPECT_EQ(backend_.connectionCount(), 0U);
}

TEST_F(RedirectTest, ConnectionCloseIsHonouredOnRedirects) {
  Client client = Client::plain(gate().port(1));
  ASSERT_TRUE(client.connected()) << client.error();
  const HttpResponse response =
      client.exchange(getRequest("/x", "Connection: close\r\n", "example.org"));
  EXPECT_TRUE(isGateResponse(response, 308, true,
                             "https://example.org:" + std::to_string(tlsPort()) + "/x"));
  EXPECT_TRUE(client.waitClosed(Millis{2000}));
}

}  // namespace
}  // namespace httpgate::test
