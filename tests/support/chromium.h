// Headless chromium for the browser tests: where it is, the arguments of a
// throw-away profile, and the cleanup of what a run leaves behind.
#pragma once

#include <string>
#include <vector>

namespace httpgate::test {

// /usr/bin/chromium (or chromium-browser), or "" when it is not installed.
std::string chromiumPath();

// `chromium` headless with a profile of its own in `profile`, no
// background traffic, certificate errors ignored (the tests' certificates
// are for "gate.test"); the caller appends its own flags and the URL.
std::vector<std::string> headlessChromium(const std::string& chromium, const std::string& profile);

// Kills what is left of a chromium run: its processes carry the profile
// directory, unique to the test, on their command lines.
void killProcessesWith(const std::string& marker);

}  // namespace httpgate::test
