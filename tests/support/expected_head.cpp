#include "tests/support/expected_head.h"

namespace httpgate::test {

std::string expectedHead(std::string_view requestLine, std::string_view clientFields,
                         const Forwarding& f) {
  std::string head(requestLine);
  head += "\r\n";
  if (f.picolisp) {
    head += "X-Pil: *Gate=" + f.scheme + "\r\n";
    head += "X-Pil: *Adr=" + f.address + "\r\n";
    if (!f.cipher.empty()) {
      head += "X-Pil: *Cipher=" + f.cipher + "\r\n";
    }
  }
  head += clientFields;
  if (!f.upgrade.empty()) {
    head += "Connection: upgrade\r\nUpgrade: " + f.upgrade + "\r\n";
  }
  if (f.forwarded) {
    head += "X-Forwarded-For: " + f.address + "\r\n";
    head += "X-Forwarded-Proto: " + f.scheme + "\r\n";
    head += "X-Forwarded-Host: " + f.host + "\r\n";
    const bool quote = f.host.find(':') != std::string::npos;
    head += "Forwarded: for=" + f.forwardedFor + ";proto=" + f.scheme +
            ";host=" + (quote ? "\"" + f.host + "\"" : f.host) + "\r\n";
  }
  head += "\r\n";
  return head;
}

}  // namespace httpgate::test
