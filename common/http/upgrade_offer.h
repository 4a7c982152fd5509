// Which protocol upgrades the gate lets through (RFC 9110 7.8). A client may
// ask for any protocol in its Upgrade field; a backend that answers 101 then
// turns the connection into a byte tunnel the gate no longer reads. Only
// protocols the configuration names (websocket by default) may open such a
// tunnel: anything else, h2c above all, would let a client talk to the
// backend past the gate's request parsing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/http/message.h"

namespace httpgate::http {

// The elements of the Upgrade fields in `fields` whose protocol name (the
// part before any "/version", compared case-insensitively) is in `allowed`
// (lower-case names), as one field value joined by ", ". Empty when none is.
std::string allowedUpgrades(const std::vector<HeaderField>& fields,
                            const std::vector<std::string>& allowed);

// True when a 101 response with `fields` switches to exactly one protocol
// (one Upgrade field with one element) that is an element of `offered`, the
// value allowedUpgrades() returned for its request.
bool switchesToOffered(const std::vector<HeaderField>& fields, std::string_view offered);

}  // namespace httpgate::http
