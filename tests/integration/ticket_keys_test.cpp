// Session ticket keys (tls.ticket_keys, tls.ticket_lifetime): gates that read
// the same key file resume each other's TLS sessions (TLS 1.2 and 1.3), in
// either file format; a gate with other keys makes a full handshake instead;
// a HUP after the operator rewrote the file takes the new first key while
// tickets of the keys still listed keep resuming; a file of the wrong size
// is refused by `-t` and by a HUP; and without a file the gate's own key
// outlives a reload.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <signal.h>

#include <algorithm>
#include <array>
#include <regex>

#include "tests/support/backend.h"
#include "tests/support/child_process.h"
#include "tests/support/client.h"
#include "tests/support/files.h"
#include "tests/support/gate_config.h"
#include "tests/support/gate_test.h"

namespace httpgate::test {
namespace {

const std::regex kReloaded("configuration reloaded");
const std::regex kReloadFailed("reload failed, keeping the running configuration");
constexpr size_t kKeySize = 80;
constexpr size_t kNameSize = 16;  // a key's name: its first 16 bytes, the first 16 of a ticket

using Key = std::array<unsigned char, kKeySize>;

Key randomKey() {
  Key key{};
  EXPECT_EQ(RAND_bytes(key.data(), static_cast<int>(key.size())), 1);
  return key;
}

std::string keyName(const Key& key) {
  return std::string(reinterpret_cast<const char*>(key.data()), kNameSize);
}

// nginx's form: the keys' bytes one after another (`openssl rand 80`).
std::string rawKeys(const std::vector<Key>& keys) {
  std::string text;
  for (const Key& key : keys) {
    text.append(reinterpret_cast<const char*>(key.data()), key.size());
  }
  return text;
}

// HAProxy's form: one base64 line per key (`openssl rand -base64 80`).
std::string base64Keys(const std::vector<Key>& keys) {
  std::string text;
  for (const Key& key : keys) {
    unsigned char line[4 * ((kKeySize + 2) / 3) + 1];
    const int n = EVP_EncodeBlock(line, key.data(), static_cast<int>(key.size()));
    text.append(reinterpret_cast<const char*>(line), static_cast<size_t>(n));
    text += '\n';
  }
  return text;
}

// The name of the key a session's ticket was encrypted with ("" without a
// ticket): OpenSSL's tickets, TLS 1.2 and 1.3 alike, begin with it.
std::string ticketKeyName(const TlsSession& session) {
  if (!session) {
    return {};
  }
  const unsigned char* ticket = nullptr;
  size_t length = 0;
  SSL_SESSION_get0_ticket(session.get(), &ticket, &length);
  if (ticket == nullptr || length < kNameSize) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(ticket), kNameSize);
}

// One connection with one request answered, and what it showed of TLS.
struct Visit {
  bool answered = false;
  bool reused = false;
  TlsSession session;  // taken after the response, when TLS 1.3 tickets have arrived
  std::string error;
};

class TicketKeysTest : public GateTest, public ::testing::WithParamInterface<TlsVersion> {
 protected:
  void SetUp() override {
    GateTest::SetUp();
    other_ = makeCertificate(dir_, "other", {"other.test"});
  }

  // A gate with two certificates (the second chosen by SNI), two workers,
  // and tls.ticket_keys `keysFile` ("" for none).
  std::string yaml(const std::string& keysFile) const {
    std::string text = "listen:\n" + tlsListenerYaml({cert_, other_}) +
                       "workers: 2\nroutes:\n  default: " + std::to_string(backend_.port()) +
                       "\nlog:\n  access: \"off\"\n";
    if (!keysFile.empty()) {
      text += "tls:\n  ticket_keys: " + keysFile + "\n";
    }
    return text;
  }

  // A further gate, in its own directory `dir`, on tls.ticket_keys `keysFile`.
  std::unique_ptr<GateProcess> startOther(const TempDir& dir, const std::string& keysFile) {
    auto gate = std::make_unique<GateProcess>(dir, yaml(keysFile));
    EXPECT_TRUE(gate->ready()) << gate->startError();
    return gate;
  }

  // A new connection to `port` (SNI `serverName`), offering `session` when
  // given, with one request answered.
  Visit visit(uint16_t port, const TlsSession& session = {},
              const std::string& serverName = "gate.test") {
    TlsOptions options;
    options.version = GetParam();
    options.serverName = serverName;
    options.session = session;
    Client client = Client::tls(port, options);
    Visit visit;
    if (!client.connected()) {
      visit.error = client.error();
      return visit;
    }
    const HttpResponse response = client.exchange(getRequest("/hello"));
    visit.answered = response.complete && response.status == 200;
    if (!visit.answered) {
      visit.error = response.describe();
    }
    visit.reused = client.tlsStream()->sessionReused();
    visit.session = client.tlsStream()->session();
    // A close_notify first: OpenSSL marks the session of a connection freed
    // without one as not resumable, and the client would not offer it.
    client.tlsStream()->shutdownWrite();
    return visit;
  }

  // Rewrites `file` with `content`, sends SIGHUP to `gate` and waits for the
  // reload's outcome line.
  void reloadWith(GateProcess& gate, const std::string& file, std::string_view content,
                  const std::regex& outcome) {
    const size_t from = gate.logSize();
    replaceFile(file, content);
    gate.sendSignal(SIGHUP);
    ASSERT_TRUE(gate.waitForLog(outcome, Millis{5000}, from))
        << "no line matching the expected reload outcome after SIGHUP:\n"
        << gate.log().substr(from);
  }

  // Gates A (the fixture's) and B on files of the same keys, written in
  // `format`: a session made through A resumes through B, under either
  // certificate.
  void expectResumptionAcrossGates(std::string (*format)(const std::vector<Key>&)) {
    const Key first = randomKey();
    const Key second = randomKey();
    const std::string fileA = dir_.file("a.key");
    const std::string fileB = dirB_.file("b.key");
    writeFile(fileA, format({first, second}));
    writeFile(fileB, format({first, second}));
    ASSERT_NO_FATAL_FAILURE(startGate(yaml(fileA)));
    auto gateB = startOther(dirB_, fileB);
    ASSERT_TRUE(gateB->ready());

    for (const std::string serverName : {"gate.test", "other.test"}) {
      const Visit made = visit(tlsPort(), {}, serverName);
      ASSERT_TRUE(made.answered) << serverName << ": " << made.error;
      EXPECT_EQ(ticketKeyName(made.session), keyName(first))
          << serverName << ": the ticket is not encrypted with the file's first key";
      const Visit resumed = visit(gateB->port(0), made.session, serverName);
      ASSERT_TRUE(resumed.answered) << serverName << ": " << resumed.error;
      EXPECT_TRUE(resumed.reused) << serverName << ": gate B did not resume gate A's session";
    }
  }

  Backend backend_;
  CertificateFiles other_;
  TempDir dirB_;
  TempDir dirC_;
};

TEST_P(TicketKeysTest, SameRawKeyFileResumesAcrossGates) {
  expectResumptionAcrossGates(rawKeys);
}

TEST_P(TicketKeysTest, SameBase64KeyFileResumesAcrossGates) {
  expectResumptionAcrossGates(base64Keys);
}

// A ticket whose key name the gate does not know is no error: the client
// gets a full handshake.
TEST_P(TicketKeysTest, OtherKeysMakeAFullHandshake) {
  const std::string fileA = dir_.file("a.key");
  const std::string fileB = dirB_.file("b.key");
  writeFile(fileA, rawKeys({randomKey()}));
  writeFile(fileB, rawKeys({randomKey()}));
  ASSERT_NO_FATAL_FAILURE(startGate(yaml(fileA)));
  auto gateB = startOther(dirB_, fileB);
  ASSERT_TRUE(gateB->ready());

  const Visit made = visit(tlsPort());
  ASSERT_TRUE(made.answered) << made.error;
  const Visit elsewhere = visit(gateB->port(0), made.session);
  ASSERT_TRUE(elsewhere.answered) << "gate B refused a ticket it cannot read: " << elsewhere.error;
  EXPECT_FALSE(elsewhere.reused) << "gate B resumed a session of a key it does not have";
}

// The operator's rotation: a new key prepended, the old one kept, HUP.
TEST_P(TicketKeysTest, HupTakesTheRewrittenFile) {
  const Key oldKey = randomKey();
  const Key newKey = randomKey();
  const std::string file = dir_.file("ticket.key");
  writeFile(file, rawKeys({oldKey}));
  ASSERT_NO_FATAL_FAILURE(startGate(yaml(file)));
  const Visit before = visit(tlsPort());
  ASSERT_TRUE(before.answered) << before.error;
  ASSERT_EQ(ticketKeyName(before.session), keyName(oldKey));

  ASSERT_NO_FATAL_FAILURE(reloadWith(gate(), file, rawKeys({newKey, oldKey}), kReloaded));

  // The old ticket still resumes; the gate renews it under the new key.
  const Visit old = visit(tlsPort(), before.session);
  ASSERT_TRUE(old.answered) << old.error;
  EXPECT_TRUE(old.reused) << "a ticket of a key still in the file did not resume after HUP";
  EXPECT_EQ(ticketKeyName(old.session), keyName(newKey))
      << "a ticket of an older key was not renewed under the new first key";

  // A new handshake's ticket is under the new key: a gate holding only
  // that key resumes it, and the renewed one too.
  const Visit fresh = visit(tlsPort());
  ASSERT_TRUE(fresh.answered) << fresh.error;
  EXPECT_FALSE(fresh.reused);
  EXPECT_EQ(ticketKeyName(fresh.session), keyName(newKey));
  const std::string onlyNew = dirC_.file("new.key");
  writeFile(onlyNew, base64Keys({newKey}));
  auto gateC = startOther(dirC_, onlyNew);
  ASSERT_TRUE(gateC->ready());
  const Visit onC = visit(gateC->port(0), fresh.session);
  ASSERT_TRUE(onC.answered) << onC.error;
  EXPECT_TRUE(onC.reused) << "a gate with only the new key cannot read a ticket made after HUP";
  const Visit renewedOnC = visit(gateC->port(0), old.session);
  ASSERT_TRUE(renewedOnC.answered) << renewedOnC.error;
  EXPECT_TRUE(renewedOnC.reused) << "the renewed ticket is not under the new key";

  // Once the old key leaves the file, its tickets make full handshakes.
  ASSERT_NO_FATAL_FAILURE(reloadWith(gate(), file, rawKeys({newKey}), kReloaded));
  const Visit retired = visit(tlsPort(), before.session);
  ASSERT_TRUE(retired.answered) << retired.error;
  EXPECT_FALSE(retired.reused) << "a ticket of a key no longer in the file resumed";
}

// A HUP with a file of the wrong size is refused; the old keys keep working.
TEST_P(TicketKeysTest, HupWithABadFileKeepsTheOldKeys) {
  const Key key = randomKey();
  const std::string file = dir_.file("ticket.key");
  writeFile(file, rawKeys({key}));
  ASSERT_NO_FATAL_FAILURE(startGate(yaml(file)));
  const Visit before = visit(tlsPort());
  ASSERT_TRUE(before.answered) << before.error;

  ASSERT_NO_FATAL_FAILURE(
      reloadWith(gate(), file, rawKeys({randomKey()}).substr(0, 79), kReloadFailed));
  EXPECT_TRUE(gate().waitForLog(std::regex("httpgate\\.yaml:[0-9]+:[0-9]+: tls\\.ticket_keys: .*"
                                           "is 79 bytes"),
                                Millis{1000}))
      << "the refusal does not name the file, line and column";

  const Visit after = visit(tlsPort(), before.session);
  ASSERT_TRUE(after.answered) << after.error;
  EXPECT_TRUE(after.reused) << "a refused reload lost the running keys";
  const Visit fresh = visit(tlsPort());
  ASSERT_TRUE(fresh.answered) << fresh.error;
  EXPECT_EQ(ticketKeyName(fresh.session), keyName(key));
}

// Without tls.ticket_keys the gate's own key is process-wide: a reload,
// which builds new TLS contexts, does not lose resumption.
TEST_P(TicketKeysTest, OwnKeySurvivesAReload) {
  ASSERT_NO_FATAL_FAILURE(startGate(yaml("")));
  const Visit before = visit(tlsPort());
  ASSERT_TRUE(before.answered) << before.error;
  const size_t from = gate().logSize();
  gate().rewriteConfig(yaml(""));
  gate().sendSignal(SIGHUP);
  ASSERT_TRUE(gate().waitForLog(kReloaded, Millis{5000}, from));

  const Visit after = visit(tlsPort(), before.session);
  ASSERT_TRUE(after.answered) << after.error;
  EXPECT_TRUE(after.reused) << "the reload lost the gate's own ticket key";
  // And a second gate, with a key of its own, cannot read the ticket.
  auto gateB = startOther(dirB_, "");
  ASSERT_TRUE(gateB->ready());
  const Visit elsewhere = visit(gateB->port(0), before.session);
  ASSERT_TRUE(elsewhere.answered) << elsewhere.error;
  EXPECT_FALSE(elsewhere.reused);
}

INSTANTIATE_TEST_SUITE_P(Versions, TicketKeysTest,
                         ::testing::Values(TlsVersion::Tls12, TlsVersion::Tls13),
                         [](const ::testing::TestParamInfo<TlsVersion>& version) {
                           return version.param == TlsVersion::Tls12 ? "Tls12" : "Tls13";
                         });

// `httpgate -t` names the file, line and column of a key file of the wrong
// size.
TEST(TicketKeysCheckTest, WrongSizeFileFailsTheCheck) {
  TempDir dir;
  const CertificateFiles cert = makeCertificate(dir, "gate", {"gate.test"});
  const std::string keys = dir.file("ticket.key");
  writeFile(keys, std::string(81, '\x01'));  // not base64: the raw form
  const std::string yaml = standardGateYaml(cert, 9, "", "tls:\n  ticket_keys: " + keys + "\n");
  const std::string config = dir.file("check.yaml");
  writeFile(config, yaml);
  const size_t at = yaml.find("ticket_keys: ");
  const size_t line = static_cast<size_t>(std::count(yaml.begin(), yaml.begin() + at, '\n')) + 1;
  const size_t column = at - yaml.rfind('\n', at) + std::string_view("ticket_keys: ").size();

  const RunResult checked = runProcess({HTTPGATE_BINARY, "-t", "-c", config}, Millis{10'000});
  EXPECT_EQ(checked.exitCode, 1) << checked.err;
  const std::string expected = config + ":" + std::to_string(line) + ":" + std::to_string(column) +
                               ": tls.ticket_keys: \"" + keys + "\" is 81 bytes";
  EXPECT_NE(checked.err.find(expected), std::string::npos)
      << "expected\n  " << expected << "\ngot:\n"
      << checked.err;
}

}  // namespace
}  // namespace httpgate::test
