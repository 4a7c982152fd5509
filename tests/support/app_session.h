// An app-server application (the notes app) as a test meets it: the first
// visit (GET / on the app's port) opens a session; the page footer names the
// process, port and build that served a page; a HUP test puts a new binary
// in place of the running one.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tests/support/app_process.h"
#include "tests/support/http_response.h"

namespace httpgate::test {

// GET / on a fresh connection to 127.0.0.1:`port` from `source` (empty:
// the kernel's choice; e.g. "127.0.0.2": another client); `extraFields` go
// with the request.
HttpResponse firstVisit(uint16_t port, std::string_view extraFields = "",
                        const std::string& source = "");

// firstVisit() expected to be a 303 to a session URL: the parsed Location,
// or an empty SessionUrl (port 0) after a failed expectation.
SessionUrl openSession(uint16_t port, std::string_view extraFields = "",
                       const std::string& source = "");

// The notes app's footer: "Session served by pid N on port P, ...; build B."
struct ServedBy {
  pid_t pid = 0;
  uint16_t port = 0;
  std::string build;  // "1", or "next" for HTTPGATE_NOTES_APP_NEXT
};
std::optional<ServedBy> servedBy(const std::string& body);

// Copies the executable `from` to `to` (mode 0755). Use as
// ASSERT_NO_FATAL_FAILURE(copyExecutable(a, b)).
void copyExecutable(const std::string& from, const std::string& to);

}  // namespace httpgate::test
