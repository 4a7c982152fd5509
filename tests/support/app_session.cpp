#include "tests/support/app_session.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <regex>

#include "tests/support/client.h"
#include "tests/support/files.h"

namespace httpgate::test {

HttpResponse firstVisit(uint16_t port, std::string_view extraFields, const std::string& source) {
  Client client = Client::plain(port, "127.0.0.1", source);
  if (!client.connected()) {
    HttpResponse failed;
    failed.error = "cannot connect to port " + std::to_string(port) + ": " + client.error();
    return failed;
  }
  return client.exchange(getRequest("/", extraFields));
}

SessionUrl openSession(uint16_t port, std::string_view extraFields, const std::string& source) {
  const HttpResponse response = firstVisit(port, extraFields, source);
  EXPECT_EQ(response.status, 303) << response.describe();
  const std::optional<SessionUrl> url = parseSessionUrl(response.field("Location").value_or(""));
  EXPECT_TRUE(url.has_value()) << response.describe();
  return url.value_or(SessionUrl{});
}

std::optional<ServedBy> servedBy(const std::string& body) {
  static const std::regex footer(
      R"(Session served by pid ([0-9]+) on port ([0-9]+),[^<]*; build ([^ <]+)\.</footer>)");
  std::smatch match;
  if (!std::regex_search(body, match, footer)) {
    return std::nullopt;
  }
  ServedBy served;
  served.pid = static_cast<pid_t>(std::stol(match[1]));
  served.port = static_cast<uint16_t>(std::stoi(match[2]));
  served.build = match[3];
  return served;
}

void copyExecutable(const std::string& from, const std::string& to) {
  std::optional<std::string> content = readFile(from);
  ASSERT_TRUE(content.has_value()) << from;
  writeFile(to, *content);
  ASSERT_EQ(::chmod(to.c_str(), 0755), 0) << to;
}

}  // namespace httpgate::test
