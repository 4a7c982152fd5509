#include "tests/support/ocsp_responder.h"

#include <openssl/bn.h>

#include <ctime>
#include <regex>
#include <stdexcept>

#include "tests/support/files.h"

namespace httpgate::test {
namespace {

// "YYMMDDHHMMSSZ", as the index of `openssl ca` writes times.
std::string indexTime(time_t when) {
  std::tm parts{};
  gmtime_r(&when, &parts);
  char text[16];
  std::strftime(text, sizeof(text), "%y%m%d%H%M%SZ", &parts);
  return text;
}

// Runs `argv` to its end (at most 20 s): its stdout and stderr.
std::string run(const std::vector<std::string>& argv, int* exitCode = nullptr) {
  ChildProcess child(argv);
  const std::optional<int> code = child.waitExit(Millis{20000});
  if (exitCode != nullptr) {
    *exitCode = code.value_or(-1);
  }
  return child.out().text() + child.err().text();
}

}  // namespace

OcspResponder::OcspResponder(const TempDir& dir, const CertificateAuthority& ca, uint16_t port,
                             int minutes)
    : dir_(dir), ca_(ca), port_(port), minutes_(minutes), index_(dir.file("ocsp-index.txt")) {
  writeFile(index_, "");
}

void OcspResponder::addGood(const std::string& certPath) {
  add(certPath, false);
}

void OcspResponder::addRevoked(const std::string& certPath) {
  add(certPath, true);
}

void OcspResponder::add(const std::string& certPath, bool revoked) {
  OwnedCertificate cert = certificateOrThrow(certPath);
  BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr);
  char* hex = BN_bn2hex(serial);
  const std::string serialHex = hex;
  OPENSSL_free(hex);
  BN_free(serial);
  const time_t now = std::time(nullptr);
  const std::string line = std::string(revoked ? "R" : "V") + "\t" + indexTime(now + 86400) + "\t" +
                           (revoked ? indexTime(now - 600) + ",keyCompromise" : "") + "\t" +
                           serialHex + "\tunknown\t/CN=" + certificateCommonName(cert.get()) + "\n";
  writeFile(index_, readFile(index_).value_or("") + line);
}

// OpenSSL 3.0's responder takes a port number only and listens on every
// address: the tests reach it on loopback alone.
void OcspResponder::start() {
  process_ = std::make_unique<ChildProcess>(std::vector<std::string>{
      "/usr/bin/openssl", "ocsp", "-index", index_, "-port", std::to_string(port_), "-rsigner",
      ca_.certPath, "-rkey", ca_.keyPath, "-CA", ca_.certPath, "-nmin", std::to_string(minutes_),
      "-ignore_err"});
  // Not probed with a connection: the responder serves one connection at a
  // time and hangs on one that closes without a request.
  if (process_->err().waitForLine(std::regex("waiting for OCSP client connections"),
                                  Millis{10000}) ||
      process_->out().waitForLine(std::regex("waiting for OCSP client connections"), Millis{0})) {
    return;
  }
  throw std::runtime_error("openssl ocsp did not listen on port " + std::to_string(port_) + ": " +
                           process_->err().text());
}

void OcspResponder::stop() {
  process_.reset();
}

std::string OcspResponder::log() const {
  return process_ ? process_->out().text() + process_->err().text() : std::string();
}

void fetchOcspResponse(const CertificateAuthority& ca, const std::string& certPath,
                       const std::string& responderUrl, const std::string& outPath) {
  int code = 0;
  const std::string output =
      run({"/usr/bin/openssl", "ocsp", "-issuer", ca.certPath, "-cert", certPath, "-url",
           responderUrl, "-CAfile", ca.certPath, "-no_nonce", "-respout", outPath},
          &code);
  if (code != 0) {
    throw std::runtime_error("openssl ocsp (client) failed: " + output);
  }
}

StapleSeen stapleSeen(uint16_t port, const std::string& serverName, bool tls12) {
  const std::string output =
      run({"/usr/bin/openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
           "-servername", serverName, "-status", tls12 ? "-tls1_2" : "-tls1_3"});
  StapleSeen seen;
  const size_t from = output.find("OCSP response:");
  seen.output = from == std::string::npos ? output : output.substr(from, 2000);
  seen.stapled = output.find("OCSP Response Status: successful") != std::string::npos;
  std::smatch match;
  if (std::regex_search(output, match, std::regex("Cert Status: ([a-z]+)"))) {
    seen.certStatus = match[1];
  }
  return seen;
}

}  // namespace httpgate::test
