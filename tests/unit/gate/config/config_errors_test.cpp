// Every configuration error with its exact text: "FILE:LINE:COLUMN: KEY:
// message", 1-based, at the offending value (or the key, for unknown keys).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config_test_support.h"
#include "gate/config/config.h"

namespace httpgate::gate {
namespace {

using testing::fails;
using testing::loads;
using testing::ScratchDir;
using testing::withListener;

TEST(ConfigErrors, FormatWithAndWithoutPositionAndKey) {
  EXPECT_EQ(formatConfigError("f.yaml", {3, 7}, "routes.portz", "unknown key"),
            "f.yaml:3:7: routes.portz: unknown key");
  EXPECT_EQ(formatConfigError("f.yaml", {}, "listen", "required key is missing"),
            "f.yaml: listen: required key is missing");
  EXPECT_EQ(formatConfigError("f.yaml", {1, 2}, "", "syntax error: x"),
            "f.yaml:1:2: syntax error: x");
  EXPECT_EQ(formatConfigError("f.yaml", {}, "", "cannot read: x"), "f.yaml: cannot read: x");
}

TEST(ConfigErrors, UnknownKeyIsReportedAtTheKey) {
  EXPECT_EQ(fails(withListener("listn: 1\n")), "test.yaml:3:1: listn: unknown key");
  EXPECT_EQ(fails(withListener("routes:\n  portz: []\n")),
            "test.yaml:4:3: routes.portz: unknown key");
  EXPECT_EQ(fails("listen:\n  - address: \"127.0.0.1:0\"\n    adress: x\n"),
            "test.yaml:3:5: listen[0].adress: unknown key");
  EXPECT_EQ(fails(withListener("timeouts: {idle: 1s, idel: 2s}\n")),
            "test.yaml:3:22: timeouts.idel: unknown key");
}

TEST(ConfigErrors, DuplicateKey) {
  EXPECT_EQ(fails(withListener("workers: 2\nworkers: 3\n")),
            "test.yaml:4:1: workers: duplicate key");
}

TEST(ConfigErrors, BadDuration) {
  EXPECT_EQ(fails(withListener("timeouts:\n  idle: 5x\n")),
            "test.yaml:4:9: timeouts.idle: invalid duration \"5x\" (use ms, s, m, h or d)");
}

TEST(ConfigErrors, NewTimeoutsLimitsAndHeaders) {
  EXPECT_EQ(fails(withListener("timeouts:\n  keepalive: 0s\n")),
            "test.yaml:4:14: timeouts.keepalive: duration must be greater than zero");
  EXPECT_EQ(fails(withListener("limits:\n  max_request_body: lots\n"))
                .rfind("test.yaml:4:21: limits.max_request_body: ", 0),
            0u);
  EXPECT_EQ(fails(withListener("headers:\n  hsts: \"includeSubDomains\"\n")),
            "test.yaml:4:9: headers.hsts: expected a Strict-Transport-Security value such as "
            "\"max-age=63072000\"");
  EXPECT_EQ(fails(withListener("headers:\n  upgrade: [\"web socket\"]\n")),
            "test.yaml:4:13: headers.upgrade[0]: expected a protocol name such as websocket");
  EXPECT_EQ(fails(withListener("routes:\n  apps:\n    old:\n      redirect: /new\n"
                               "      max_request_body: 1MiB\n")),
            "test.yaml:7:25: routes.apps.old.max_request_body: only for an app with a port, not a "
            "redirect");
}

TEST(ConfigErrors, MissingListen) {
  EXPECT_EQ(fails(""), "test.yaml: listen: required key is missing");
  EXPECT_EQ(fails("# nothing but a comment\n"), "test.yaml: listen: required key is missing");
  EXPECT_EQ(fails("workers: 2\n"), "test.yaml: listen: required key is missing");
}

TEST(ConfigErrors, ListenMustBeANonEmptyList) {
  EXPECT_EQ(fails("listen: []\n"), "test.yaml:1:9: listen: at least one listener is required");
  EXPECT_EQ(fails("listen:\n"), "test.yaml:1:1: listen: at least one listener is required");
  EXPECT_EQ(fails("listen: \"[::]:443\"\n"), "test.yaml:1:9: listen: expected a list");
  EXPECT_EQ(fails("listen:\n  - \"[::]:443\"\n"), "test.yaml:2:5: listen[0]: expected a mapping");
  // An empty item has no position of its own: the list's is used.
  EXPECT_EQ(fails("listen:\n  -\n"), "test.yaml:2:3: listen[0].address: required key is missing");
}

TEST(ConfigErrors, ListenAddress) {
  EXPECT_EQ(fails("listen:\n  - redirect_https: true\n"),
            "test.yaml:2:5: listen[0].address: required key is missing");
  EXPECT_EQ(fails("listen:\n  - address: \"::1:443\"\n"),
            "test.yaml:2:14: listen[0].address: invalid address \"::1:443\" (write IPv6 "
            "addresses in brackets, e.g. \"[::1]:443\")");
  EXPECT_EQ(fails("listen:\n  - address: 443\n"),
            "test.yaml:2:14: listen[0].address: invalid address \"443\" (use HOST:PORT, e.g. "
            "\"[::]:443\" or \"127.0.0.1:8443\")");
  EXPECT_EQ(fails("listen:\n  - address: \"127.0.0.1:8443\"\n  - address: 127.0.0.1:8443\n"),
            "test.yaml:3:14: listen[1].address: duplicate address \"127.0.0.1:8443\" (also "
            "listen[0])");
  // Each port-0 listener gets its own ephemeral port: not duplicates.
  EXPECT_EQ(loads("listen:\n  - address: 127.0.0.1:0\n  - address: 127.0.0.1:0\n").listeners.size(),
            2u);
}

TEST(ConfigErrors, WorkersWrongType) {
  EXPECT_EQ(fails(withListener("workers: many\n")),
            "test.yaml:3:10: workers: expected \"auto\" or a number from 1 to 256");
  // An empty value has no position of its own: the key's is used.
  EXPECT_EQ(fails(withListener("workers:\n")),
            "test.yaml:3:1: workers: expected \"auto\" or a number from 1 to 256");
}

TEST(ConfigErrors, WrongTypes) {
  EXPECT_EQ(fails(withListener("headers: 5\n")), "test.yaml:3:10: headers: expected a mapping");
  EXPECT_EQ(fails(withListener("user: [a]\n")), "test.yaml:3:7: user: expected a string");
  EXPECT_EQ(fails(withListener("routes:\n  ports:\n    allow: \"1024-65535\"\n")),
            "test.yaml:5:12: routes.ports.allow: expected a list");
  EXPECT_EQ(fails("- listen\n"), "test.yaml:1:1: expected a mapping");
  EXPECT_EQ(fails("listen\n"), "test.yaml:1:1: expected a mapping");
}

TEST(ConfigErrors, SyntaxErrorsCarryYamlCppsMessage) {
  EXPECT_EQ(fails("listen: [1,\nworkers: 2\n"),
            "test.yaml:3:1: syntax error: end of sequence flow not found");
  EXPECT_EQ(fails("listen: a: b\n"), "test.yaml:1:10: syntax error: illegal map value");
  EXPECT_EQ(fails("workers: &w 2\nuser: *u\n"),
            "test.yaml:2:7: syntax error: the referenced anchor is not defined");
  EXPECT_EQ(fails("listen: 1\n\tworkers: 2\n"),
            "test.yaml:2:1: syntax error: illegal tab when looking for indentation");
}

TEST(ConfigErrors, LogAndLimits) {
  EXPECT_EQ(fails(withListener("log:\n  level: verbose\n")),
            "test.yaml:4:10: log.level: expected trace, debug, info, warn or error");
  EXPECT_EQ(fails(withListener("log:\n  access: \"\"\n")),
            "test.yaml:4:11: log.access: expected stderr, off or a file path");
  EXPECT_EQ(fails(withListener("log:\n  access_format: xml\n")),
            "test.yaml:4:18: log.access_format: expected combined or json");
}

TEST(ConfigErrors, UnknownUser) {
  EXPECT_EQ(fails(withListener("user: no-such-user-httpgate\n")),
            "test.yaml:3:7: user: unknown user \"no-such-user-httpgate\"");
}

class ConfigFileErrors : public ::testing::Test {
 protected:
  // A TLS listener whose certificate and key are `cert` and `key`; the cert
  // value is at 5:17 and the key value at 6:16.
  static std::string tlsListener(const std::string& cert, const std::string& key) {
    return "listen:\n"
           "  - address: \"127.0.0.1:0\"\n"
           "    tls:\n"
           "      certificates:\n"
           "        - cert: " +
           cert +
           "\n"
           "          key: " +
           key + "\n";
  }

  ScratchDir dir_;
  std::string cert_ = dir_.write("cert.pem", "cert");
  std::string key_ = dir_.write("key.pem", "key");
};

TEST_F(ConfigFileErrors, UnreadableCertificate) {
  EXPECT_EQ(fails(tlsListener("/nonexistent/cert.pem", key_)),
            "test.yaml:5:17: listen[0].tls.certificates[0].cert: cannot read "
            "\"/nonexistent/cert.pem\": No such file or directory");
  EXPECT_EQ(fails(tlsListener(cert_, dir_.path() + "/missing.pem")),
            "test.yaml:6:16: listen[0].tls.certificates[0].key: cannot read \"" + dir_.path() +
                "/missing.pem\": No such file or directory");
  EXPECT_EQ(fails(tlsListener(dir_.path(), key_)),
            "test.yaml:5:17: listen[0].tls.certificates[0].cert: cannot read \"" + dir_.path() +
                "\": Is a directory");
  // A file used as a directory: a different errno, the same shape.
  EXPECT_EQ(fails(tlsListener(cert_ + "/x", key_)),
            "test.yaml:5:17: listen[0].tls.certificates[0].cert: cannot read \"" + cert_ +
                "/x\": Not a directory");
  EXPECT_EQ(fails(tlsListener(cert_, "\"\"")),
            "test.yaml:6:16: listen[0].tls.certificates[0].key: expected a file path");
}

TEST_F(ConfigFileErrors, OcspIsAutoOffOrAReadableFile) {
  EXPECT_EQ(loads(tlsListener(cert_, key_)).listeners[0].tls->certificates[0].ocsp, OcspMode::Auto);
  EXPECT_EQ(loads(tlsListener(cert_, key_) + "          ocsp: off\n")
                .listeners[0]
                .tls->certificates[0]
                .ocsp,
            OcspMode::Off);
  const std::string response = dir_.write("site.ocsp", "der");
  const CertificateConfig file =
      loads(tlsListener(cert_, key_) + "          ocsp: " + response + "\n")
          .listeners[0]
          .tls->certificates[0];
  EXPECT_EQ(file.ocsp, OcspMode::File);
  EXPECT_EQ(file.ocspFile, response);
  EXPECT_EQ(fails(tlsListener(cert_, key_) + "          ocsp: /nonexistent/site.ocsp\n"),
            "test.yaml:7:17: listen[0].tls.certificates[0].ocsp: cannot read "
            "\"/nonexistent/site.ocsp\": No such file or directory");
  EXPECT_EQ(fails(tlsListener(cert_, key_) + "          ocsp: \"\"\n"),
            "test.yaml:7:17: listen[0].tls.certificates[0].ocsp: use auto, off or the path of a "
            "DER OCSP response");
}

TEST_F(ConfigFileErrors, AcmeNeedsADirectoryAndNamesAndStandsForCertificates) {
  const std::string base = "listen:\n  - address: \"127.0.0.1:0\"\n    tls:\n      acme:\n";
  const std::string directory = "        directory: https://ca.example/dir\n";
  const Config config = loads(base + directory + "        names: [Example.ORG, www.example.org]\n" +
                              "        renew_before: 20d\n        challenge: tls-alpn-01\n");
  const AcmeConfig& acme = *config.listeners[0].tls->acme;
  EXPECT_TRUE(config.listeners[0].tls->certificates.empty()) << "acme stands for them";
  EXPECT_EQ(acme.names, (std::vector<std::string>{"example.org", "www.example.org"}));
  EXPECT_EQ(acme.storage, "/var/lib/httpgate/acme");
  EXPECT_EQ(acme.renewBefore, std::chrono::hours(24 * 20));
  EXPECT_EQ(acme.challenge, AcmeChallenge::TlsAlpn01);

  EXPECT_EQ(fails(base + "        names: [example.org]\n"),
            "test.yaml:5:9: listen[0].tls.acme.directory: required key is missing");
  EXPECT_EQ(fails(base + "        directory: http://ca.example/dir\n        names: [a.example]\n"),
            "test.yaml:5:20: listen[0].tls.acme.directory: expected an https:// URL (the ACME "
            "server's directory)");
  EXPECT_EQ(fails(base + directory + "        names: []\n"),
            "test.yaml:6:16: listen[0].tls.acme.names: at least one name is required");
  EXPECT_EQ(fails(base + directory + "        names: [\"*.example.org\"]\n"),
            "test.yaml:6:17: listen[0].tls.acme.names[0]: \"*.example.org\" is not a DNS name a "
            "certificate can be ordered for");
  EXPECT_EQ(fails(base + directory + "        names: [localhost]\n"),
            "test.yaml:6:17: listen[0].tls.acme.names[0]: \"localhost\" is not a DNS name a "
            "certificate can be ordered for");
  EXPECT_EQ(fails(base + directory + "        names: [a.example, A.example]\n"),
            "test.yaml:6:28: listen[0].tls.acme.names[1]: \"a.example\" is listed twice");
  EXPECT_EQ(fails(base + directory + "        names: [a.example]\n        email: nobody\n"),
            "test.yaml:7:16: listen[0].tls.acme.email: expected an e-mail address such as "
            "admin@example.org");
  EXPECT_EQ(fails(base + directory + "        names: [a.example]\n        challenge: dns-01\n"),
            "test.yaml:7:20: listen[0].tls.acme.challenge: use auto, http-01 or tls-alpn-01");
  EXPECT_EQ(fails(base + directory + "        names: [a.example]\n        colour: blue\n"),
            "test.yaml:7:9: listen[0].tls.acme.colour: unknown key");
}

TEST_F(ConfigFileErrors, PermissionDenied) {
  ASSERT_EQ(::chmod(key_.c_str(), 0), 0);
  const std::string expected = "test.yaml:6:16: listen[0].tls.certificates[0].key: cannot read \"" +
                               key_ + "\": Permission denied";
  if (::geteuid() != 0) {
    EXPECT_EQ(fails(tlsListener(cert_, key_)), expected);
    return;
  }
  // Root reads files whatever their mode: check as "nobody" in a child.
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
  ASSERT_EQ(::chmod(cert_.c_str(), 0644), 0);
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(out[0]);
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) {
      ::_exit(2);
    }
    std::string message = fails(tlsListener(cert_, key_));
    ssize_t written = ::write(out[1], message.data(), message.size());
    ::_exit(written == static_cast<ssize_t>(message.size()) ? 0 : 3);
  }
  ::close(out[1]);
  std::string message;
  char chunk[512];
  for (ssize_t n; (n = ::read(out[0], chunk, sizeof(chunk))) > 0;) {
    message.append(chunk, static_cast<size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  EXPECT_EQ(message, expected);
}

TEST_F(ConfigFileErrors, TlsShape) {
  const std::string base = "listen:\n  - address: \"127.0.0.1:0\"\n    tls:\n";
  EXPECT_EQ(fails(base), "test.yaml:3:5: listen[0].tls.certificates: required key is missing");
  EXPECT_EQ(fails(base + "      certificates: []\n"),
            "test.yaml:4:21: listen[0].tls.certificates: at least one certificate is required");
  EXPECT_EQ(fails(base + "      certificates:\n        - cert: " + cert_ + "\n"),
            "test.yaml:5:11: listen[0].tls.certificates[0].key: required key is missing");
  EXPECT_EQ(fails(base + "      certificates:\n        - key: " + key_ + "\n"),
            "test.yaml:5:11: listen[0].tls.certificates[0].cert: required key is missing");
  EXPECT_EQ(fails(tlsListener(cert_, key_) + "      protocols: [TLSv1.1]\n"),
            "test.yaml:7:19: listen[0].tls.protocols[0]: unknown protocol \"TLSv1.1\" (use "
            "TLSv1.2 or TLSv1.3)");
  EXPECT_EQ(fails(tlsListener(cert_, key_) + "      protocols: []\n"),
            "test.yaml:7:18: listen[0].tls.protocols: at least one protocol is required "
            "(TLSv1.2, TLSv1.3)");
  EXPECT_EQ(fails(tlsListener(cert_, key_) + "    redirect_https: true\n"),
            "test.yaml:7:21: listen[0].redirect_https: only on a listener without tls");
  EXPECT_EQ(fails("listen:\n  - address: \"127.0.0.1:0\"\n    http2: true\n"),
            "test.yaml:3:12: listen[0].http2: only on a listener with tls (no cleartext HTTP/2)");
  EXPECT_EQ(fails(tlsListener(cert_, key_) + "    http2: maybe\n"),
            "test.yaml:7:12: listen[0].http2: expected true or false");
  EXPECT_EQ(fails(tlsListener(cert_, key_) + "limits:\n  http2:\n    max_concurrent_streams: 0\n"),
            "test.yaml:9:29: limits.http2.max_concurrent_streams: expected a number from 1 to "
            "1000");
  EXPECT_EQ(fails(tlsListener(cert_, key_) + "      ciphers: x\n"),
            "test.yaml:7:7: listen[0].tls.ciphers: unknown key");
}

TEST_F(ConfigFileErrors, ProtocolsDefaultToBoth) {
  const Config config = loads(tlsListener(cert_, key_));
  ASSERT_TRUE(config.listeners[0].tls);
  EXPECT_TRUE(config.listeners[0].tls->tls12);
  EXPECT_TRUE(config.listeners[0].tls->tls13);
  const Config only12 = loads(tlsListener(cert_, key_) + "      protocols: [TLSv1.2]\n");
  EXPECT_TRUE(only12.listeners[0].tls->tls12);
  EXPECT_FALSE(only12.listeners[0].tls->tls13);
}

TEST_F(ConfigFileErrors, VoidPage) {
  EXPECT_EQ(fails(withListener("void_page: /nonexistent/void.html\n")),
            "test.yaml:3:12: void_page: cannot read \"/nonexistent/void.html\": No such file or "
            "directory");
  const std::string big = dir_.write("big.html", std::string(1024 * 1024 + 1, 'x'));
  EXPECT_EQ(fails(withListener("void_page: " + big + "\n")),
            "test.yaml:3:12: void_page: \"" + big + "\" is larger than 1024 KiB");
  EXPECT_EQ(loads(withListener("void_page: \"\"\n")).voidPage, "");
}

TEST_F(ConfigFileErrors, LoadConfigReadsTheFile) {
  const std::string good = dir_.write("good.yaml", tlsListener(cert_, key_));
  auto loaded = loadConfig(good);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded.value().file, good);

  const std::string bad = dir_.write("bad.yaml", withListener("timeouts:\n  idle: 5x\n"));
  auto failed = loadConfig(bad);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message,
            bad + ":4:9: timeouts.idle: invalid duration \"5x\" (use ms, s, m, h or d)");

  auto missing = loadConfig("/nonexistent/httpgate.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message,
            "/nonexistent/httpgate.yaml: cannot read: No such file or directory");

  auto directory = loadConfig(dir_.path());
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.error().message, dir_.path() + ": cannot read: Is a directory");
}

}  // namespace
}  // namespace httpgate::gate
