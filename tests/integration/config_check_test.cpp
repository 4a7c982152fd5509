// `httpgate -t -c FILE` and start-up with a bad config: exit codes and the
// exact "FILE:LINE:COLUMN: KEY.PATH: message" texts of the contract.
#include <gtest/gtest.h>

#include <regex>

#include "tests/support/certificates.h"
#include "tests/support/child_process.h"
#include "tests/support/files.h"
#include "tests/support/gate_config.h"
#include "tests/support/temp_dir.h"

namespace httpgate::test {
namespace {

constexpr Millis kRunTimeout{10'000};

// Whether some line of `text` is `message`, alone or after a log prefix
// ("[time] [error] message").
bool hasMessageLine(const std::string& text, const std::string& message) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    const std::string line = text.substr(start, end - start);
    if (line == message ||
        (line.size() > message.size() + 1 &&
         line.compare(line.size() - message.size() - 1, std::string::npos, " " + message) == 0)) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

class ConfigCheckTest : public ::testing::Test {
 protected:
  void SetUp() override { cert_ = makeCertificate(dir_, "gate", {"gate.test"}); }

  // Writes `yaml` to a file named `name` and returns its path.
  std::string write(const std::string& name, std::string_view yaml) {
    const std::string path = dir_.file(name);
    writeFile(path, yaml);
    return path;
  }

  RunResult check(const std::string& path) {
    return runProcess({HTTPGATE_BINARY, "-t", "-c", path}, kRunTimeout);
  }

  // Both `-t` and a normal start must exit 1 with `message` on stderr.
  void expectRejected(const std::string& path, const std::string& message) {
    const RunResult checked = check(path);
    EXPECT_EQ(checked.exitCode, 1) << checked.err;
    EXPECT_TRUE(hasMessageLine(checked.err, message))
        << "-t: expected the line\n  " << message << "\ngot:\n"
        << checked.err;
    const RunResult started = runProcess({HTTPGATE_BINARY, "-c", path}, kRunTimeout);
    EXPECT_EQ(started.exitCode, 1) << started.err;
    EXPECT_TRUE(hasMessageLine(started.err, message))
        << "start: expected the line\n  " << message << "\ngot:\n"
        << started.err;
  }

  TempDir dir_;
  CertificateFiles cert_;
};

TEST_F(ConfigCheckTest, GoodConfigIsValid) {
  const std::string path =
      write("good.yaml", "listen:\n" + tlsListenerYaml({cert_}) + plainListenerYaml() +
                             "routes:\n  default: 8080\ntimeouts:\n  idle: 2s\n");
  const RunResult result = check(path);
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_TRUE(hasMessageLine(result.err, "configuration " + path + " is valid")) << result.err;
}

TEST_F(ConfigCheckTest, UnknownKey) {
  const std::string path = write("bad.yaml",
                                 "listen:\n"
                                 "  - address: \"127.0.0.1:0\"\n"
                                 "routes:\n"
                                 "  portz: 1\n");
  expectRejected(path, path + ":4:3: routes.portz: unknown key");
}

TEST_F(ConfigCheckTest, BadDuration) {
  const std::string path = write("bad.yaml",
                                 "listen:\n"
                                 "  - address: \"127.0.0.1:0\"\n"
                                 "timeouts:\n"
                                 "  idle: 5x\n");
  expectRejected(path,
                 path + ":4:9: timeouts.idle: invalid duration \"5x\" (use ms, s, m, h or d)");
}

TEST_F(ConfigCheckTest, MissingListen) {
  const std::string path = write("bad.yaml", "routes:\n  default: 8080\n");
  expectRejected(path, path + ": listen: required key is missing");
}

TEST_F(ConfigCheckTest, WrongType) {
  const std::string path = write("bad.yaml",
                                 "listen:\n"
                                 "  - address: \"127.0.0.1:0\"\n"
                                 "workers: lots\n");
  expectRejected(path, path + ":3:10: workers: expected \"auto\" or a number from 1 to 256");
}

TEST_F(ConfigCheckTest, UnreadableCertificate) {
  CertificateFiles missing = cert_;
  missing.certPath = dir_.file("missing.crt");
  // Line 5 is `        - cert: "..."`: the value starts in column 17.
  const std::string path = write("bad.yaml", "listen:\n" + tlsListenerYaml({missing}));
  expectRejected(path, path + ":5:17: listen[0].tls.certificates[0].cert: cannot read \"" +
                           missing.certPath + "\": No such file or directory");
}

TEST_F(ConfigCheckTest, KeyNotMatchingCertificate) {
  const CertificateFiles other = makeCertificate(dir_, "other", {"other.test"});
  CertificateFiles mismatched = cert_;
  mismatched.keyPath = other.keyPath;
  // Line 6 is `          key: "..."`: the value starts in column 16.
  const std::string path = write("bad.yaml", "listen:\n" + tlsListenerYaml({mismatched}));
  expectRejected(path, path +
                           ":6:16: listen[0].tls.certificates[0].key: private key does not "
                           "match the certificate");
}

TEST_F(ConfigCheckTest, ShippedExampleConfigIsValid) {
  const std::optional<std::string> example =
      readFile(std::string(HTTPGATE_SOURCE_DIR) + "/conf/httpgate.yaml");
  if (!example) {
    GTEST_SKIP() << "conf/httpgate.yaml is not in the source tree yet";
  }
  // Point the certificate paths at generated files: key files by name.
  std::string yaml;
  const std::regex tlsPath(R"(/etc/httpgate/tls/[^\s#"']+)");
  auto last = example->cbegin();
  for (std::sregex_iterator it(example->begin(), example->end(), tlsPath), end; it != end; ++it) {
    yaml.append(last, (*it)[0].first);
    yaml += it->str().find("key") != std::string::npos ? cert_.keyPath : cert_.certPath;
    last = (*it)[0].second;
  }
  yaml.append(last, example->cend());
  const std::string path = write("example.yaml", yaml);
  const RunResult result = check(path);
  EXPECT_EQ(result.exitCode, 0) << result.err;
  EXPECT_TRUE(hasMessageLine(result.err, "configuration " + path + " is valid")) << result.err;
}

}  // namespace
}  // namespace httpgate::test
