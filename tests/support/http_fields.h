// The small pieces of HTTP/1.1 both test readers need (the client's
// response reader and the backend's request reader): field lines and
// chunked bodies. Deliberately independent of the gate's own parser, and
// lenient where the gate must be strict, so that what the gate lets through
// is seen as it was sent.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/support/buffered_reader.h"

namespace httpgate::test {

using Fields = std::vector<std::pair<std::string, std::string>>;

bool equalsIgnoreCase(std::string_view a, std::string_view b);

// The value of the first field called `name` (any case), if any.
std::optional<std::string> findField(const Fields& fields, std::string_view name);
size_t countField(const Fields& fields, std::string_view name);
// Whether a comma-separated field `name` holds `token` (any case).
bool fieldHasToken(const Fields& fields, std::string_view name, std::string_view token);

// Parses the field lines of `head` (everything after its first line, up to
// the empty line) into `fields`, values trimmed. False on a line without a
// colon, with `error` saying which.
bool parseFields(std::string_view head, Fields& fields, std::string& error);

// Reads one chunked body: `raw` receives its bytes exactly as received
// (sizes, extensions, trailers included), `decoded` the payload.
IoStatus readChunkedBody(BufferedReader& in, std::string& raw, std::string& decoded,
                         const Deadline& deadline, std::string& error);

}  // namespace httpgate::test
