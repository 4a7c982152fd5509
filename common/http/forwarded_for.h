// The client address behind trusted HTTP proxies (headers.trusted_proxies):
// when the peer that sent a request is a proxy the operator trusts, its
// X-Forwarded-For says who its client was. Each proxy appends the address
// it received the request from, so the list is read from the right: every
// address that is itself a trusted proxy is skipped, and the first one that
// is not is the client (nginx's real_ip_recursive, HAProxy's
// "option forwardfor" read by the next hop). Whatever lies left of it was
// written by the client and is not believed.
#pragma once

#include <sys/socket.h>

#include <optional>
#include <vector>

#include "common/http/message.h"
#include "common/net/cidr.h"

namespace httpgate::http {

// The client address the X-Forwarded-For fields of `headers` (all of them,
// in order, as one comma-separated list) give when walked from the right
// past the addresses in `trusted`: the right-most address not in
// `trusted`; the left-most one when all are; nullopt when there is no
// X-Forwarded-For. An entry that is not an IP literal ("unknown", a
// host name, an address with a port) ends the walk: the address right of
// it, a trusted proxy's, is the client as far as anyone can tell.
// The caller checks that the request's peer is in `trusted` first.
std::optional<sockaddr_storage> clientFromForwardedFor(const std::vector<HeaderField>& headers,
                                                       const net::CidrSet& trusted);

}  // namespace httpgate::http
