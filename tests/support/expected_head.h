// The request head the contract says a backend receives: the request
// line, X-Pil lines, the client's fields (as the test passes them, already
// filtered), X-Forwarded-* and Forwarded.
#pragma once

#include <string>
#include <string_view>

namespace httpgate::test {

// What the gate adds around the client's fields, per the contract.
struct Forwarding {
  std::string scheme = "https";
  std::string cipher;  // empty on a plain listener
  std::string address = "127.0.0.1";
  std::string forwardedFor = "127.0.0.1";  // as written in Forwarded: for=
  std::string host = "example.org";
  bool picolisp = true;
  bool forwarded = true;
  // An upgrade request: "Connection: upgrade" and "Upgrade: <this>" after
  // the client's fields (whose own Upgrade field is not forwarded as is).
  std::string upgrade;
};

// `requestLine` without its CRLF; `clientFields` as "Name: value\r\n" lines.
std::string expectedHead(std::string_view requestLine, std::string_view clientFields,
                         const Forwarding& f);

}  // namespace httpgate::test
