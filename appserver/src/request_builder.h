// Fills a Request from a parsed head and its decoded body: the path the
// handler sees, query and form parameters, uploads, cookies, and how the
// request arrived (through httpgate or directly).
#pragma once

#include <string>
#include <string_view>

#include "common/http/message.h"
#include "httpgate/appserver.h"

namespace httpgate::appserver {

class RequestBuilder {
 public:
  // `path` is what path() and query() are made of ("/cart?x=1": the
  // session prefix already removed by the caller). `peer` is the TCP
  // peer's address. The gate's X-Pil and X-Forwarded-* fields are believed
  // only when `trustForwarding` (the caller passes whether the peer is on
  // loopback, where only the gate or the host's own users can connect);
  // otherwise the request counts as direct and clientAddress() is `peer`.
  // Returns false with `error` set when the body cannot be decoded (a
  // malformed multipart body): the caller answers 400.
  static bool build(const http::RequestHead& head, std::string_view path, std::string body,
                    std::string_view peer, bool trustForwarding, Request& out, std::string& error);
};

}  // namespace httpgate::appserver
