#include "gate/admin/status_page.h"

#include <ctime>
#include <string>
#include <utility>
#include <vector>

namespace httpgate::gate {
namespace {

using json = nlohmann::json;

const json kNothing;

// The value at `pointer` ("/gate/version") of `doc`, or null when it is not
// there: a const json's operator[] must not be asked for a missing key.
const json& value(const json& doc, const std::string& pointer) {
  const json::json_pointer path(pointer);
  return doc.contains(path) ? doc.at(path) : kNothing;
}

// A value for the page: strings escaped, numbers as JSON writes them,
// null as "-".
std::string text(const json& value) {
  if (value.is_null()) {
    return "-";
  }
  if (value.is_string()) {
    return escapeHtml(value.get<std::string>());
  }
  if (value.is_boolean()) {
    return value.get<bool>() ? "yes" : "no";
  }
  if (value.is_array()) {
    std::string joined;
    for (const json& item : value) {
      joined += (joined.empty() ? "" : ", ") + text(item);
    }
    return joined;
  }
  return escapeHtml(value.dump(-1, ' ', false, json::error_handler_t::replace));
}

// A Unix time as "2026-12-06 12:50:36 UTC".
std::string when(const json& value) {
  if (!value.is_number()) {
    return "-";
  }
  const std::time_t seconds = value.get<std::time_t>();
  std::tm parts{};
  char out[32];
  if (gmtime_r(&seconds, &parts) == nullptr ||
      std::strftime(out, sizeof out, "%Y-%m-%d %H:%M:%S UTC", &parts) == 0) {
    return "-";
  }
  return out;
}

// An element the script refreshes: its text is the value at `path` of the
// status document.
std::string field(const std::string& path, const std::string& shown) {
  return "<span data-path=\"" + escapeHtml(path) + "\">" + shown + "</span>";
}

// Certificates close to expiry stand out: yellow under 30 days, red
// under 7 (the script does the same).
std::string daysLeftClass(const std::string& key, const json& value) {
  if (key != "days_left" || !value.is_number()) {
    return "";
  }
  const double days = value.get<double>();
  return days < 7 ? " class=\"alarm\"" : days < 30 ? " class=\"warn\"" : "";
}

// A column's cell: times (keys ending in "at" or "until", not_after) as
// dates, the rest as text;
// the script does the same.
std::string cell(const std::string& key, const json& v) {
  const auto endsWith = [&key](std::string_view end) {
    return key.size() >= end.size() && key.compare(key.size() - end.size(), end.size(), end) == 0;
  };
  const bool time =
      key == "at" || key == "not_after" || endsWith("_at") || endsWith("/at") || endsWith("_until");
  return time ? when(v) : text(v);
}

// A table of `rows` (an array of objects) with one column per key (a JSON
// pointer below the row, without its first '/'): the script rebuilds it
// from the same array, so both show the same.
std::string table(const std::string& id, const json& rows,
                  const std::vector<std::pair<std::string, std::string>>& columns) {
  std::string html = "<table id=\"" + id + "\"><thead><tr>";
  for (const auto& [key, title] : columns) {
    html += "<th data-key=\"" + escapeHtml(key) + "\">" + escapeHtml(title) + "</th>";
  }
  html += "</tr></thead><tbody>";
  if (rows.is_array()) {
    for (const json& row : rows) {
      html += "<tr>";
      for (const auto& [key, title] : columns) {
        const json& v = value(row, "/" + key);
        html += "<td" + daysLeftClass(key, v) + ">" + cell(key, v) + "</td>";
      }
      html += "</tr>";
    }
  }
  return html + "</tbody></table>";
}

std::string gateSection(const json& s) {
  std::string html = "<section><h2>Gate</h2><dl>";
  html += "<dt>Version</dt><dd>" + field("gate.version", text(value(s, "/gate/version"))) + "</dd>";
  html += "<dt>PID</dt><dd>" + field("gate.pid", text(value(s, "/gate/pid"))) + "</dd>";
  html += "<dt>Started</dt><dd>" + when(value(s, "/gate/started_at")) + " (up " +
          field("gate.uptime_seconds", text(value(s, "/gate/uptime_seconds"))) + " s)</dd>";
  html += "<dt>Configuration</dt><dd>" +
          field("gate.config_file", text(value(s, "/gate/config_file"))) + ", loaded " +
          when(value(s, "/gate/config_loaded_at")) + "</dd>";
  html += "<dt>Last reload</dt><dd id=\"last-reload\">";
  const json& reload = value(s, "/gate/last_reload");
  if (!reload.is_object()) {
    html += "none since the start";
  } else if (value(reload, "/ok") == true) {
    html += "ok, " + when(value(reload, "/at"));
  } else {
    html += "<span class=\"bad\">failed, " + when(value(reload, "/at")) + ": " +
            text(value(reload, "/error")) + "</span>";
  }
  html += "</dd></dl>";
  html +=
      table("workers", value(s, "/gate/workers"),
            {{"index", "Worker"}, {"loop_lag_ms", "Loop lag (ms)"}, {"responding", "Responding"}});
  return html + "</section>";
}

std::string trafficSection(const json& s) {
  std::string html = "<section><h2>Traffic</h2><dl>";
  for (const char* cls : {"1xx", "2xx", "3xx", "4xx", "5xx"}) {
    html += "<dt>" + std::string(cls) + "</dt><dd class=\"c" + cls + "\">" +
            field(std::string("traffic.requests.") + cls,
                  text(value(s, std::string("/traffic/requests/") + cls))) +
            "</dd>";
  }
  html += "<dt>Bytes in</dt><dd>" + field("traffic.bytes_in", text(value(s, "/traffic/bytes_in"))) +
          "</dd>";
  html += "<dt>Bytes out</dt><dd>" +
          field("traffic.bytes_out", text(value(s, "/traffic/bytes_out"))) + "</dd>";
  html += "</dl><h3>Requests per second, last 15 minutes</h3>";
  html +=
      "<svg id=\"chart\" viewBox=\"0 0 900 200\" role=\"img\" "
      "aria-label=\"requests per second by status class\"></svg>";
  html +=
      "<noscript><p>The chart is drawn by the page's script; the numbers above are as of "
      "loading.</p></noscript>";
  html += "<h3>Slowest requests, last 5 to 10 minutes</h3>";
  html += table("slowest", value(s, "/traffic/slowest"),
                {{"duration_ms", "Duration (ms)"},
                 {"method", "Method"},
                 {"path", "Path"},
                 {"status", "Status"},
                 {"backend_port", "Backend port"},
                 {"started_at", "Started"}});
  return html + "</section>";
}

std::string listenersSection(const json& s) {
  std::string html = "<section><h2>Listeners</h2>";
  html += table("listeners", value(s, "/listeners"),
                {{"address", "Address"},
                 {"tls", "TLS"},
                 {"protocols", "Protocols"},
                 {"open_connections", "Open connections"},
                 {"tls_handshakes/total", "Handshakes"},
                 {"tls_handshakes/last_minute/handshakes", "Last minute"},
                 {"tls_handshakes/last_minute/failures/timeout", "Failed: timeout"},
                 {"tls_handshakes/last_minute/failures/closed", "closed"},
                 {"tls_handshakes/last_minute/failures/protocol", "protocol"}});
  html += "<p>TLS handshakes on all listeners: " +
          field("tls_handshakes.total", text(value(s, "/tls_handshakes/total"))) +
          "; in the last minute " +
          field("tls_handshakes.last_minute.handshakes",
                text(value(s, "/tls_handshakes/last_minute/handshakes"))) +
          ", failed: ";
  for (const char* reason : {"timeout", "closed", "protocol"}) {
    html += std::string(reason) + " " +
            field(std::string("tls_handshakes.last_minute.failures.") + reason,
                  text(value(s, std::string("/tls_handshakes/last_minute/failures/") + reason))) +
            " ";
  }
  return html + "</p></section>";
}

std::string backendsSection(const json& s) {
  std::string html = "<section><h2>Backends</h2><p>Connect failures: ";
  for (const char* reason : {"refused", "timeout", "error", "host_down", "tls"}) {
    html += std::string(reason) + " " +
            field(std::string("backends.connect_failures.") + reason,
                  text(value(s, std::string("/backends/connect_failures/") + reason))) +
            " ";
  }
  html += "</p><h3>Ports with connections now</h3>";
  html += table("ports", value(s, "/backends/ports"),
                {{"port", "Port"},
                 {"address", "Address"},
                 {"tls", "TLS"},
                 {"active", "Active"},
                 {"pooled", "Pooled"}});
  html += "<h3>Remote hosts</h3>";
  html += table("hosts", value(s, "/backends/hosts"),
                {{"host", "Host"},
                 {"up", "Up"},
                 {"last_failure/at", "Last failure"},
                 {"last_failure/reason", "Reason"}});
  return html + "</section>";
}

std::string appsSection(const json& s) {
  std::string html = "<section><h2>Apps</h2>";
  html += table("apps", value(s, "/apps"),
                {{"name", "App"},
                 {"port", "Port"},
                 {"listening", "Listening"},
                 {"start_command", "Start command"},
                 {"last_start/at", "Last start"},
                 {"last_start/ok", "Ok"},
                 {"last_start/message", "Message"},
                 {"log", "Log"}});
  return html + "</section>";
}

std::string certificatesSection(const json& s) {
  std::string html = "<section><h2>Certificates</h2>";
  html += table("certificates", value(s, "/certificates"),
                {{"file", "File"},
                 {"names", "Names"},
                 {"issuer", "Issuer"},
                 {"not_after_date", "Not after"},
                 {"days_left", "Days left"},
                 {"ocsp/status", "OCSP"},
                 {"ocsp/stapled_until", "Stapled until"}});
  html += "<h3>ACME</h3>";
  html += table("acme", value(s, "/acme"),
                {{"names", "Names"},
                 {"state", "State"},
                 {"not_after", "Not after"},
                 {"last_order_at", "Last order"},
                 {"last_error", "Last error"},
                 {"next_check_at", "Next check"}});
  return html + "</section>";
}

}  // namespace

std::string escapeHtml(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
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

std::string renderStatusPage(const json& status) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>httpgate status</title>"
      "<link rel=\"stylesheet\" href=\"/status.css\">"
      "<script src=\"/status.js\" defer></script></head><body>\n";
  html += "<header><h1>httpgate</h1><p>as of <span id=\"now\">" + when(value(status, "/now")) +
          "</span> · <a href=\"/status.json\">status.json</a> · "
          "<a href=\"/metrics\">metrics</a></p></header>\n<main>";
  html += gateSection(status) + listenersSection(status) + trafficSection(status) +
          backendsSection(status) + appsSection(status) + certificatesSection(status);
  return html + "</main></body></html>\n";
}

}  // namespace httpgate::gate
