// httpgate-appserver-visitor: new visitors of a session app server, as a
// browser's first visit makes them. Each visit opens a fresh connection,
// GETs /, follows up to 3 redirects (each on a fresh connection, as the
// notes app's 303 to the session's own port is followed) until a 200 HTML
// page with a <base href> arrives: the first page of a new session.
//
//   httpgate-appserver-visitor --port P [--tls] [--clients N] [--seconds S]
//                              [--count N] [--timeout S] [--pids]
//
// --clients visitors run at once, each one visit after another, until
// --seconds have passed or --count visits were made in all. Prints one
// JSON line: sessions/s, the first-page latency (connect() of the first
// request to the last byte of the page) p50/p99, errors, and with --pids
// the pid and port each page's footer names ("served by pid N on port P").
#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/appserver/visitor/fetch.h"
#include "bench/client/tls_setup.h"

namespace ab = httpgate::bench::appserver;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kMaxRedirects = 3;

struct Settings {
  uint16_t port = 0;
  bool tls = false;
  unsigned clients = 1;
  double seconds = 3;
  unsigned count = 100000;
  double timeoutSeconds = 10;
  bool pids = false;
};

struct Visit {
  bool ok = false;
  std::string error;
  double ms = 0;
  double firstResponseMs = 0;  // to the last byte of the first response (the 303, or the page)
  int redirects = 0;
  long pid = 0;
  long port = 0;
};

// The number after `label` in `text`, 0 when there is none.
long numberAfter(const std::string& text, const char* label) {
  size_t at = text.find(label);
  return at == std::string::npos ? 0
                                 : std::strtol(text.c_str() + at + std::strlen(label), nullptr, 10);
}

Visit visit(const Settings& settings, SSL_CTX* context) {
  Visit result;
  ab::Url url{settings.tls, "127.0.0.1", settings.port, "/"};
  Clock::time_point start = Clock::now();
  auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(settings.timeoutSeconds));
  for (int hop = 0;; ++hop) {
    ab::Response response = ab::fetch(url, context, deadline);
    if (hop == 0) {
      result.firstResponseMs =
          std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    }
    if (!response.ok) {
      result.error = response.error;
      return result;
    }
    if (response.status >= 300 && response.status < 400) {
      if (hop == kMaxRedirects) {
        result.error = "more than 3 redirects";
        return result;
      }
      std::optional<ab::Url> next = ab::parseUrl(response.location, url);
      if (!next) {
        result.error = "bad Location: " + response.location;
        return result;
      }
      url = *next;
      ++result.redirects;
      continue;
    }
    if (response.status != 200) {
      result.error = "status " + std::to_string(response.status);
      return result;
    }
    if (response.contentType.find("text/html") == std::string::npos ||
        response.body.find("<base href") == std::string::npos) {
      result.error = "200 without an HTML page with <base href>";
      return result;
    }
    result.ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    result.pid = numberAfter(response.body, "served by pid ");
    result.port = numberAfter(response.body, " on port ");
    result.ok = true;
    return result;
  }
}

bool parse(int argc, char** argv, Settings& s) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--tls") {
      s.tls = true;
      continue;
    }
    if (arg == "--pids") {
      s.pids = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "%s: missing value or unknown option\n", arg.c_str());
      return false;
    }
    char* end = nullptr;
    double value = std::strtod(argv[++i], &end);
    if (end == argv[i] || *end != '\0' || !(value > 0)) {
      std::fprintf(stderr, "%s: \"%s\" is not a positive number\n", arg.c_str(), argv[i]);
      return false;
    }
    if (arg == "--port" && value <= 65535) {
      s.port = static_cast<uint16_t>(value);
    } else if (arg == "--clients" && value <= 1024) {
      s.clients = static_cast<unsigned>(value);
    } else if (arg == "--seconds" && value <= 3600) {
      s.seconds = value;
    } else if (arg == "--count" && value <= 1e7) {
      s.count = static_cast<unsigned>(value);
    } else if (arg == "--timeout" && value <= 600) {
      s.timeoutSeconds = value;
    } else {
      std::fprintf(stderr, "%s %s: unknown option or out of range\n", arg.c_str(), argv[i]);
      return false;
    }
  }
  if (s.port == 0) {
    std::fprintf(stderr,
                 "usage: httpgate-appserver-visitor --port P [--tls] [--clients N] "
                 "[--seconds S] [--count N] [--timeout S] [--pids]\n");
    return false;
  }
  return true;
}

// `text` as a JSON string literal, quotes included.
std::string jsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

double percentile(std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) {
    return 0;
  }
  // Nearest rank, as the other bench tools report it.
  size_t rank = static_cast<size_t>(std::max(1.0, std::ceil(fraction * sorted.size())));
  return sorted[std::min(rank, sorted.size()) - 1];
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  if (!parse(argc, argv, settings)) {
    return 2;
  }
  std::string error;
  SSL_CTX* context = nullptr;
  if (settings.tls) {
    context = httpgate::bench::makeClientContext("X25519:P-256", error);
    if (context == nullptr) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 1;
    }
  }
  std::atomic<unsigned> started{0};
  std::mutex mutex;
  std::vector<Visit> visits;
  Clock::time_point begin = Clock::now();
  auto end = begin + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(settings.seconds));
  std::vector<std::thread> threads;
  for (unsigned c = 0; c < settings.clients; ++c) {
    threads.emplace_back([&] {
      std::vector<Visit> mine;
      while (Clock::now() < end && started.fetch_add(1) < settings.count) {
        mine.push_back(visit(settings, context));
      }
      std::lock_guard<std::mutex> lock(mutex);
      visits.insert(visits.end(), mine.begin(), mine.end());
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
  SSL_CTX_free(context);

  std::vector<double> ms, first;
  unsigned errors = 0, redirects = 0;
  std::string firstError, pids, ports;
  for (const Visit& v : visits) {
    if (!v.ok) {
      ++errors;
      if (firstError.empty()) {
        firstError = v.error;
      }
      continue;
    }
    ms.push_back(v.ms);
    first.push_back(v.firstResponseMs);
    redirects += static_cast<unsigned>(v.redirects);
    if (settings.pids) {
      pids += (pids.empty() ? "" : ",") + std::to_string(v.pid);
      ports += (ports.empty() ? "" : ",") + std::to_string(v.port);
    }
  }
  std::sort(ms.begin(), ms.end());
  std::sort(first.begin(), first.end());
  double mean = ms.empty() ? 0 : std::accumulate(ms.begin(), ms.end(), 0.0) / ms.size();
  std::printf(
      "{\"clients\":%u,\"seconds\":%.3f,\"sessions\":%zu,\"errors\":%u,\"sessions_per_s\":%.2f,"
      "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"mean_ms\":%.3f,\"first_response_p50_ms\":%.3f,\"redirects_"
      "per_session\":%.3f,"
      "\"first_error\":%s",
      settings.clients, elapsed, ms.size(), errors, ms.size() / elapsed, percentile(ms, 0.50),
      percentile(ms, 0.99), mean, percentile(first, 0.50),
      ms.empty() ? 0.0 : double(redirects) / ms.size(), jsonString(firstError).c_str());
  if (settings.pids) {
    std::printf(",\"pids\":[%s],\"ports\":[%s]", pids.c_str(), ports.c_str());
  }
  std::printf("}\n");
  return 0;
}
