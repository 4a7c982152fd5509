// The first error on OpenSSL's queue as text, for the messages of the TLS
// contexts (server and backend); the queue is cleared.
#pragma once

#include <string>

namespace httpgate::gate {

std::string opensslError();

}  // namespace httpgate::gate
