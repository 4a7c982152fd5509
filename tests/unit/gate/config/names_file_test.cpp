// The names-file parser: every httpGate rule, the refused lines with their
// exact messages, and the default route. Accounts come from a fake lookup.
#include "gate/config/names_file.h"

#include <gtest/gtest.h>

#include <map>

namespace httpgate::gate {
namespace {

// tom and ann are ordinary users; root has uid 0, wheel a gid of 0.
std::optional<NamesUser> fakeUser(const std::string& name) {
  static const std::map<std::string, NamesUser> kUsers = {
      {"tom", {1000, 1000}}, {"ann", {1001, 1001}}, {"root", {0, 0}}, {"wheel", {1002, 0}}};
  const auto found = kUsers.find(name);
  return found == kUsers.end() ? std::nullopt : std::optional<NamesUser>(found->second);
}

NamesFile parses(const std::string& text) {
  auto result = parseNamesFile(text, "names", fakeUser);
  if (!result.ok()) {
    ADD_FAILURE() << "expected the names file to parse, got: " << result.error();
    return NamesFile{};
  }
  return std::move(result).value();
}

std::string fails(const std::string& text) {
  auto result = parseNamesFile(text, "names", fakeUser);
  if (result.ok()) {
    ADD_FAILURE() << "expected an error for:\n" << text;
    return "";
  }
  return result.error();
}

TEST(NamesFile, FullLineFillsTheStart) {
  const NamesFile names =
      parses("app 12345 tom /home/tom log/app ./pil app/main.l lib/app.l -main -go -wait\n");
  ASSERT_EQ(names.entries.size(), 1u);
  const AppConfig& app = names.entries[0].app;
  EXPECT_EQ(names.entries[0].line, 1);
  EXPECT_EQ(app.name, "app");
  EXPECT_EQ(app.port, 12345);
  EXPECT_EQ(app.prefix, "");
  EXPECT_EQ(app.redirect, "");
  ASSERT_TRUE(app.start.has_value());
  EXPECT_EQ(app.start->user, "tom");
  EXPECT_EQ(app.start->dir, "/home/tom");
  EXPECT_EQ(app.start->log, "log/app");
  EXPECT_EQ(app.start->command, (std::vector<std::string>{"./pil", "app/main.l", "lib/app.l",
                                                          "-main", "-go", "-wait"}));
  EXPECT_TRUE(app.start->env.empty());  // the starter adds NAME, HOME, PORT, LANG
  EXPECT_EQ(app.start->wait, Duration{20000});
  EXPECT_TRUE(names.warnings.empty());
}

TEST(NamesFile, SpacesCommentsAndEmptyLines) {
  const NamesFile names = parses(
      "# a comment\n"
      "\n"
      "     \n"
      "   # an indented comment\n"
      "   a    2000   tom  /d   ^   ./x    y  \n"
      "b 2001 tom /d ^");  // no newline at the end
  ASSERT_EQ(names.entries.size(), 2u);
  EXPECT_EQ(names.entries[0].line, 5);
  EXPECT_EQ(names.entries[0].app.start->command, (std::vector<std::string>{"./x", "y"}));
  EXPECT_EQ(names.entries[1].line, 6);
  EXPECT_FALSE(names.entries[1].app.start.has_value());
}

TEST(NamesFile, NamesAreLowerCased) {
  const NamesFile names = parses("ShOp 2000 tom /d ^\n");
  EXPECT_EQ(names.entries[0].app.name, "shop");
}

TEST(NamesFile, SlashGivesTheInsertedPrefix) {
  const NamesFile names = parses("app/ins 2000 tom /d ^\nb/x/y/ 2001 tom /d ^\nc/ 2002 tom /d ^\n");
  EXPECT_EQ(names.entries[0].app.name, "app");
  EXPECT_EQ(names.entries[0].app.prefix, "/ins");
  EXPECT_EQ(names.entries[1].app.prefix, "/x/y");
  EXPECT_EQ(names.entries[2].app.prefix, "");
}

TEST(NamesFile, PortZeroIsARedirect) {
  const NamesFile names = parses("old 0 https://example.org/new\nrel 0 /elsewhere\n");
  ASSERT_EQ(names.entries.size(), 2u);
  EXPECT_EQ(names.entries[0].app.port, 0);
  EXPECT_EQ(names.entries[0].app.redirect, "https://example.org/new");
  EXPECT_FALSE(names.entries[0].app.start.has_value());
  EXPECT_EQ(names.entries[1].app.redirect, "/elsewhere");
}

TEST(NamesFile, CaretMeansEmptyOrSpace) {
  const NamesFile names = parses("a 2000 tom /d ^ ./pil ^ -x^y^z ^\n");
  const AppStart& start = *names.entries[0].app.start;
  EXPECT_EQ(start.log, "");
  EXPECT_EQ(start.command, (std::vector<std::string>{"./pil", "", "-x y z", ""}));
}

TEST(NamesFile, LineWithoutCommandCannotBeStarted) {
  const NamesFile names = parses("a 2000 tom /d log/a\n");
  EXPECT_EQ(names.entries[0].app.port, 2000);
  EXPECT_FALSE(names.entries[0].app.start.has_value());
}

TEST(NamesFile, UnknownUserAndRootAreSkippedWithWarnings) {
  const NamesFile names = parses(
      "a 2000 nobody_here /d ^ ./x\n"
      "b 2001 root /d ^ ./x\n"
      "c 2002 wheel /d ^ ./x\n"
      "d 2003 ann /d ^ ./x\n");
  ASSERT_EQ(names.entries.size(), 1u);
  EXPECT_EQ(names.entries[0].app.name, "d");
  EXPECT_EQ(names.warnings,
            (std::vector<std::string>{
                "names:1: unknown user \"nobody_here\"; line skipped",
                "names:2: user \"root\" has uid or gid 0 (applications never run as root); line "
                "skipped",
                "names:3: user \"wheel\" has uid or gid 0 (applications never run as root); line "
                "skipped",
            }));
}

TEST(NamesFile, MalformedLinesAreErrors) {
  EXPECT_EQ(fails("a\n"), "names:1: missing the port after the name");
  EXPECT_EQ(fails("# c\na 80x tom /d ^\n"),
            "names:2: invalid port \"80x\" (expected 0 for a redirect, or 1 to 65535)");
  EXPECT_EQ(fails("a 65536 tom /d ^\n"),
            "names:1: invalid port \"65536\" (expected 0 for a redirect, or 1 to 65535)");
  EXPECT_EQ(fails("a -1 tom /d ^\n"),
            "names:1: invalid port \"-1\" (expected 0 for a redirect, or 1 to 65535)");
  EXPECT_EQ(fails("a 2000\n"),
            "names:1: missing the user (NAME PORT USER DIR LOG [COMMAND ARG...])");
  EXPECT_EQ(fails("a 2000 tom\n"),
            "names:1: missing the directory (NAME PORT USER DIR LOG [COMMAND ARG...])");
  EXPECT_EQ(fails("a 2000 tom /d\n"),
            "names:1: missing the log file (NAME PORT USER DIR LOG [COMMAND ARG...]; ^ for none)");
  EXPECT_EQ(fails("a 0\n"), "names:1: missing the URL of the redirect (NAME 0 URL)");
  EXPECT_EQ(fails("a 0 https://x/ more\n"), "names:1: unexpected \"more\" after the redirect URL");
  EXPECT_EQ(fails("a 0 example.org\n"),
            "names:1: invalid redirect URL \"example.org\" (expected one such as "
            "https://example.org/path)");
  EXPECT_EQ(fails("a/x 0 https://x/\n"), "names:1: a redirect (port 0) takes no inserted path");
  EXPECT_EQ(fails("/x 2000 tom /d ^\n"), "names:1: the name is empty");
  EXPECT_EQ(fails("a?b 2000 tom /d ^\n"), "names:1: name \"a?b\" must not contain '?' or '#'");
  EXPECT_EQ(fails("a/x#y 2000 tom /d ^\n"),
            "names:1: the inserted path \"x#y\" must not contain '?' or '#'");
  EXPECT_EQ(fails("8080 2000 tom /d ^\n"),
            "names:1: name \"8080\" is a port number; numeric names must be below 1024");
  EXPECT_EQ(fails("a 2000 tom /d ^x\n"),
            "names:1: the log file \"^x\" starts with '^' (write ^ alone for an empty one)");
  EXPECT_EQ(fails("a 2000 tom /d ^ ./pil ^go\n"),
            "names:1: the argument \"^go\" starts with '^' (write ^ alone for an empty one)");
  EXPECT_EQ(fails("a 2000 tom /d ^ ^\n"), "names:1: the command must not be empty");
  EXPECT_EQ(fails("a\t2000 tom /d ^\n"),
            "names:1: control character 0x09 in the line (fields are separated by spaces only)");
  EXPECT_EQ(fails("a 2000 tom /d ^\r\n"),
            "names:1: control character 0x0d in the line (fields are separated by spaces only)");
  EXPECT_EQ(fails("Shop 2000 tom /d ^\nb 2001 tom /d ^\nSHOP 2002 tom /d ^\n"),
            "names:3: duplicate name \"shop\" (first on line 1; names ignore case)");
}

TEST(NamesFile, SmallNumericNamesAreAllowed) {
  EXPECT_EQ(parses("80 2000 tom /d ^\n").entries[0].app.name, "80");
}

// The default route of `text` as applied to fresh routes.
RoutesConfig defaultOf(const std::string& text) {
  RoutesConfig routes;
  const auto error = applyNamesDefault(parses(text), routes);
  EXPECT_FALSE(error.has_value()) << *error;
  return routes;
}

TEST(NamesFile, DefaultIsTheAtEntry) {
  const RoutesConfig routes = defaultOf("a 2000 tom /d ^\n@ 3000 tom /d ^\nb 2001 tom /d ^\n");
  EXPECT_EQ(routes.defaultApp, "@");
  EXPECT_EQ(routes.defaultPort, 3000);
}

TEST(NamesFile, DefaultIsTheOnlyEntry) {
  const RoutesConfig routes = defaultOf("# one\nshop/x 2500 tom /d ^ ./x\n");
  EXPECT_EQ(routes.defaultApp, "shop");
  EXPECT_EQ(routes.defaultPort, 2500);
  // A single redirect is the default too: every other URL is redirected.
  EXPECT_EQ(defaultOf("old 0 https://example.org/\n").defaultApp, "old");
}

TEST(NamesFile, DefaultIsTheFirstKeptEntrysPort) {
  // httpGate's ports[0]: the first line it kept; the skipped one does not count.
  const RoutesConfig routes =
      defaultOf("x 1999 nobody_here /d ^\na 2000 tom /d ^ ./x\nb 2001 tom /d ^\n");
  EXPECT_EQ(routes.defaultApp, "");
  EXPECT_EQ(routes.defaultPort, 2000);
}

TEST(NamesFile, DefaultWithoutEntriesIs8080) {
  const RoutesConfig routes = defaultOf("# nothing yet\n");
  EXPECT_EQ(routes.defaultApp, "");
  EXPECT_EQ(routes.defaultPort, 8080);
}

TEST(NamesFile, FirstEntryRedirectCannotBeTheDefault) {
  RoutesConfig routes;
  const auto error =
      applyNamesDefault(parses("\nold 0 https://example.org/\nb 2001 tom /d ^\n"), routes);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error,
            "names:2: the first entry is the default route (there is no \"@\" entry), so it needs "
            "a port, not a redirect");
}

TEST(NamesFile, UnreadableFile) {
  auto result = readNamesFile("/nonexistent/names", fakeUser);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), "cannot read \"/nonexistent/names\": No such file or directory");
  result = readNamesFile("/", fakeUser);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), "cannot read \"/\": Is a directory");
}

}  // namespace
}  // namespace httpgate::gate
