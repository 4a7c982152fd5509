// httpgate-notes-app: a small application on the app-server library, to see
// the session model at work. Every browser gets its own process and port;
// its notes live in that process's memory until the session times out.
//
//   httpgate-notes-app [--port N] [--address A] [--session-ports FIRST-LAST]
//                      [--timeout SECONDS] [--max-sessions N] [--retire SECONDS]
//                      [--check-address] [--tls-cert FILE --tls-key FILE]
//                      [--model fork|pool|sequential] [--pool-ready N]
//                      [--pool-max-ready N]
//
// --model chooses how sessions get their process (httpgate-appserver(3)):
// forked when the visitor comes (the default), ready in advance (pool:
// --pool-ready of them, growing up to --pool-max-ready after a burst), or
// all in one process (sequential).
//
// --tls-cert and --tls-key (PEM) make the parent's and the sessions' ports
// speak TLS, for a gate that reaches them with routes.hosts[].tls.
//
// Pages: "/" lists the notes with a form to add one and a button per note
// to delete it; "/summary" counts them. The first request (on the parent's
// port) is redirected to the session's own base URL.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "httpgate/appserver.h"

#ifndef NOTES_APP_BUILD
#define NOTES_APP_BUILD "1"
#endif

namespace as = httpgate::appserver;

namespace {

struct Note {
  unsigned id;
  std::string text;
  std::time_t created;
};

struct Notes {
  std::vector<Note> items;
  unsigned nextId = 1;
  unsigned requests = 0;
};

// Whether this session has answered its first request: that one came in
// on the parent's port and is redirected to the session's own URL.
struct Opened {
  bool yes = false;
};

std::string escapeHtml(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The page frame: <base href> makes every relative link and form target
// stay inside the session (https://host/<port>/<sesid>~/ behind httpgate).
std::string page(const as::Request& request, as::Session& session, std::string_view title,
                 std::string_view content) {
  Notes& notes = session.state<Notes>();
  std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">";
  html += "<base href=\"" + escapeHtml(session.baseUrl(request)) + "\">";
  // No /favicon.ico request: it would go to the parent's port and open a
  // session of its own.
  html += "<link rel=\"icon\" href=\"data:,\">";
  html += "<title>" + escapeHtml(title) + "</title>";
  html +=
      "<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}"
      "footer{color:#666;font-size:small;margin-top:2em}</style></head><body>\n";
  html += "<nav><a href=\"\">Notes</a> | <a href=\"summary\">Summary</a></nav>\n";
  html += std::string(content);
  html += "<footer>Session served by pid " + std::to_string(::getpid()) + " on port " +
          std::to_string(session.port()) + ", request " + std::to_string(notes.requests) +
          (request.behindGate() ? ", through httpgate" : ", directly") + " (client " +
          escapeHtml(request.clientAddress()) + "); build " + NOTES_APP_BUILD + ".</footer>\n";
  html += "</body></html>\n";
  return html;
}

void notesPage(const as::Request& request, as::Response& response, as::Session& session) {
  Notes& notes = session.state<Notes>();
  ++notes.requests;
  Opened& opened = session.state<Opened>();
  if (!opened.yes) {
    opened.yes = true;
    response.redirect(session.baseUrl(request));
    return;
  }
  if (request.method() == "POST") {
    std::string_view action = request.param("action").value_or("");
    if (action == "add") {
      std::string_view text = request.param("text").value_or("");
      if (!text.empty()) {
        notes.items.push_back(
            {notes.nextId++, std::string(text.substr(0, 2000)), std::time(nullptr)});
      }
    } else if (action == "delete") {
      unsigned id = static_cast<unsigned>(
          std::strtoul(std::string(request.param("id").value_or("0")).c_str(), nullptr, 10));
      std::erase_if(notes.items, [id](const Note& note) { return note.id == id; });
    }
    // Post/redirect/get: reloading the page does not post twice.
    response.redirect(session.baseUrl(request));
    return;
  }
  std::string content = "<h1>Notes</h1>\n<ul>\n";
  for (const Note& note : notes.items) {
    content += "<li><span class=\"note\">" + escapeHtml(note.text) +
               "</span> "
               "<form method=\"post\" action=\"\" style=\"display:inline\">"
               "<input type=\"hidden\" name=\"action\" value=\"delete\">"
               "<input type=\"hidden\" name=\"id\" value=\"" +
               std::to_string(note.id) +
               "\">"
               "<button>Delete</button></form></li>\n";
  }
  if (notes.items.empty()) {
    content += "<li><em>No notes yet.</em></li>\n";
  }
  content +=
      "</ul>\n<form method=\"post\" action=\"\">"
      "<input type=\"hidden\" name=\"action\" value=\"add\">"
      "<input name=\"text\" autofocus placeholder=\"A note\"> <button>Add</button></form>\n";
  response.html(page(request, session, "Notes", content));
}

void summaryPage(const as::Request& request, as::Response& response, as::Session& session) {
  Notes& notes = session.state<Notes>();
  ++notes.requests;
  size_t characters = 0;
  for (const Note& note : notes.items) {
    characters += note.text.size();
  }
  std::string content = "<h1>Summary</h1>\n<p>" + std::to_string(notes.items.size()) + " notes, " +
                        std::to_string(characters) +
                        " characters.</p>\n"
                        "<p>This session lives in its own process: another browser (or a "
                        "private window) gets another process, another port and its own "
                        "notes. After the session timeout the process ends and its notes "
                        "with it.</p>\n";
  response.html(page(request, session, "Summary", content));
}

[[noreturn]] void usage(const char* program, const char* problem) {
  if (problem != nullptr) {
    std::fprintf(stderr, "%s: %s\n", program, problem);
  }
  std::fprintf(stderr,
               "usage: %s [--port N] [--address A] [--session-ports FIRST-LAST]\n"
               "          [--timeout SECONDS] [--max-sessions N] [--retire SECONDS]\n"
               "          [--check-address] [--tls-cert FILE --tls-key FILE]\n"
               "          [--model fork|pool|sequential] [--pool-ready N] [--pool-max-ready N]\n",
               program);
  std::exit(problem != nullptr ? 2 : 0);
}

// A whole number from `text` within min..max, or a usage error naming `option`.
unsigned long number(const char* program, const char* option, const char* text, unsigned long min,
                     unsigned long max) {
  char* end = nullptr;
  errno = 0;
  unsigned long value = std::strtoul(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || value < min || value > max) {
    std::string problem = std::string(option) + ": \"" + text + "\" is not a number from " +
                          std::to_string(min) + " to " + std::to_string(max);
    usage(program, problem.c_str());
  }
  return value;
}

std::chrono::milliseconds seconds(const char* program, const char* option, const char* text) {
  char* end = nullptr;
  double value = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(value >= 0) || value > 365.0 * 24 * 3600) {
    std::string problem = std::string(option) + ": \"" + text + "\" is not a number of seconds";
    usage(program, problem.c_str());
  }
  return std::chrono::milliseconds(static_cast<long long>(value * 1000));
}

as::Model model(const char* program, std::string_view name) {
  if (name == "fork") {
    return as::Model::Fork;
  }
  if (name == "pool") {
    return as::Model::Pool;
  }
  if (name != "sequential") {
    usage(program, "--model: expected fork, pool or sequential");
  }
  return as::Model::Sequential;
}

}  // namespace

int main(int argc, char** argv) {
  as::Options options;
  const char* program = argv[0];
  bool maxReadyGiven = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      usage(program, nullptr);
    }
    if (arg == "--check-address") {
      options.checkClientAddress = true;
      continue;
    }
    if (i + 1 >= argc) {
      usage(program, (std::string(arg) + ": unknown option or missing value").c_str());
    }
    const char* value = argv[++i];
    if (arg == "--port") {
      options.port = static_cast<uint16_t>(number(program, "--port", value, 0, 65535));
    } else if (arg == "--address") {
      options.address = value;
    } else if (arg == "--session-ports") {
      const char* dash = std::strchr(value, '-');
      if (dash == nullptr) {
        usage(program, "--session-ports: expected FIRST-LAST, e.g. 40000-40999");
      }
      std::string first(value, dash);
      options.sessionPortFirst =
          static_cast<uint16_t>(number(program, "--session-ports", first.c_str(), 0, 65535));
      options.sessionPortLast =
          static_cast<uint16_t>(number(program, "--session-ports", dash + 1, 0, 65535));
      if (options.sessionPortFirst > options.sessionPortLast) {
        usage(program, "--session-ports: FIRST is above LAST");
      }
    } else if (arg == "--timeout") {
      options.sessionTimeout = seconds(program, "--timeout", value);
      if (options.sessionTimeout.count() == 0) {
        usage(program, "--timeout: must be more than 0");
      }
    } else if (arg == "--max-sessions") {
      options.maxSessions =
          static_cast<unsigned>(number(program, "--max-sessions", value, 1, 1'000'000));
    } else if (arg == "--retire") {
      options.retire = seconds(program, "--retire", value);
    } else if (arg == "--model") {
      options.model = model(program, value);
    } else if (arg == "--pool-ready") {
      options.pool.ready = static_cast<unsigned>(number(program, "--pool-ready", value, 1, 10'000));
    } else if (arg == "--pool-max-ready") {
      options.pool.maxReady =
          static_cast<unsigned>(number(program, "--pool-max-ready", value, 1, 10'000));
      maxReadyGiven = true;
    } else if (arg == "--tls-cert") {
      options.tlsCertificate = value;
    } else if (arg == "--tls-key") {
      options.tlsKey = value;
    } else {
      usage(program, (std::string(arg) + ": unknown option").c_str());
    }
  }
  if (options.tlsCertificate.empty() != options.tlsKey.empty()) {
    usage(program, "--tls-cert and --tls-key go together");
  }
  if (!maxReadyGiven) {
    options.pool.maxReady = std::max(options.pool.maxReady, options.pool.ready);
  } else if (options.pool.maxReady < options.pool.ready) {
    usage(program, "--pool-max-ready: below --pool-ready");
  }
  as::App app(options);
  app.handle("/", notesPage);
  app.handle("/summary", summaryPage);
  return app.run(argc, argv);
}
