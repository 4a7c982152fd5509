// The daemon never stalls: with a single worker, clients that stop halfway
// (in the TLS handshake, in a request head, or not reading a large
// response) must not keep another client from being served.
#include <gtest/gtest.h>

#include "tests/support/backend.h"
#include "tests/support/client.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"

namespace httpgate::test {
namespace {

TEST(StallTest, StalledClientsDoNotBlockOthers) {
  TempDir dir;
  const CertificateFiles cert = makeCertificate(dir, "gate", {"gate.test"});
  const std::string big(8 * 1024 * 1024, 'b');
  Backend backend([&big](const RecordedRequest& request) {
    BackendReply reply = Backend::defaultReply(request);
    if (request.target == "/big") {
      reply.body = big;
    }
    return reply;
  });
  std::string yaml = standardGateYaml(cert, backend.port(), "", "log:\n  access: \"off\"\n");
  yaml.replace(yaml.find("workers: 2"), 10, "workers: 1");
  GateProcess gate(dir, yaml);
  ASSERT_TRUE(gate.ready()) << gate.startError();

  // Half a head, then silence (TLS and plain).
  Client halfHead = Client::tls(gate.port(0));
  ASSERT_TRUE(halfHead.send("GET /x HTTP/1.1\r\nHo"));
  Client halfHeadPlain = Client::plain(gate.port(1));
  ASSERT_TRUE(halfHeadPlain.send("GET /x HTTP/1.1\r\nHo"));
  // A TCP connection to the TLS port that never says hello.
  UniqueFd noHello = connectTcp("127.0.0.1", gate.port(0), kIoTimeout);
  ASSERT_TRUE(noHello.valid());
  // A client that asks for 8 MiB and never reads them.
  Client notReading = Client::tls(gate.port(0));
  ASSERT_TRUE(notReading.send(getRequest("/big")));
  ASSERT_TRUE(backend.waitForRequests(1, kIoTimeout));

  Client client;
  for (int i = 0; i < 50; ++i) {
    if (i % 10 == 0) {
      client = Client::tls(gate.port(0));
      ASSERT_TRUE(client.connected()) << "connection " << i / 10 << ": " << client.error();
    }
    const std::string target = "/r" + std::to_string(i);
    const HttpResponse response = client.exchange(getRequest(target), false, Millis{2000});
    ASSERT_TRUE(response.complete) << "request " << i << ": " << response.describe() << "\n"
                                   << gate.log();
    EXPECT_EQ(response.body, Backend::defaultBody(backend.port(), target));
  }
}

}  // namespace
}  // namespace httpgate::test
