#include "gate/admin/status_page.h"

#include <ctime>
#include <string>
#include <utility>
#include <vector>

namespace httpgate::gate {
namespace {

using json = nlohmann::json;

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

// A table of `rows` (an array of objects) with one column per key: the
// script rebuilds it from the same array, so both show the same.
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
        const json::json_pointer pointer("/" + key);
        const bool present = row.contains(pointer);
        html += "<td" + daysLeftClass(key, present ? row[pointer] : json()) + ">" +
                (present ? text(row[pointer]) : std::string("-")) + "</td>";
      }
      html += "</tr>";
    }
  }
  return html + "</tbody></table>";
}

std::string gateSection(const json& s) {
  const json& g = s["gate"];
  std::string html = "<section><h2>Gate</h2><dl>";
  html += "<dt>Version</dt><dd>" + field("gate.version", text(g["version"])) + "</dd>";
  html += "<dt>PID</dt><dd>" + field("gate.pid", text(g["pid"])) + "</dd>";
  html += "<dt>Started</dt><dd>" + when(g["started_at"]) + " (up " +
          field("gate.uptime_seconds", text(g["uptime_seconds"])) + " s)</dd>";
  html += "<dt>Configuration</dt><dd>" + field("gate.config_file", text(g["config_file"])) +
          ", loaded " + when(g["config_loaded_at"]) + "</dd>";
  html += "<dt>Last reload</dt><dd id=\"last-reload\">";
  const json& reload = g["last_reload"];
  if (reload.is_null()) {
    html += "none since the start";
  } else if (reload["ok"].get<bool>()) {
    html += "ok, " + when(reload["at"]);
  } else {
    html += "<span class=\"bad\">failed, " + when(reload["at"]) + ": " + text(reload["error"]) +
            "</span>";
  }
  html += "</dd></dl>";
  html +=
      table("workers", g["workers"],
            {{"index", "Worker"}, {"loop_lag_ms", "Loop lag (ms)"}, {"responding", "Responding"}});
  return html + "</section>";
}

std::string trafficSection(const json& s) {
  const json& t = s["traffic"];
  std::string html = "<section><h2>Traffic</h2><dl>";
  for (const char* cls : {"1xx", "2xx", "3xx", "4xx", "5xx"}) {
    html += "<dt>" + std::string(cls) + "</dt><dd class=\"c" + cls + "\">" +
            field(std::string("traffic.requests.") + cls, text(t["requests"][cls])) + "</dd>";
  }
  html += "<dt>Bytes in</dt><dd>" + field("traffic.bytes_in", text(t["bytes_in"])) + "</dd>";
  html += "<dt>Bytes out</dt><dd>" + field("traffic.bytes_out", text(t["bytes_out"])) + "</dd>";
  html += "</dl><h3>Requests per second, last 15 minutes</h3>";
  html +=
      "<svg id=\"chart\" viewBox=\"0 0 900 200\" role=\"img\" "
      "aria-label=\"requests per second by status class\"></svg>";
  html +=
      "<noscript><p>The chart is drawn by the page's script; the numbers above are as of "
      "loading.</p></noscript>";
  return html + "</section>";
}

std::string listenersSection(const json& s) {
  const json& h = s["tls_handshakes"];
  std::string html = "<section><h2>Listeners</h2>";
  html += table("listeners", s["listeners"],
                {{"address", "Address"},
                 {"tls", "TLS"},
                 {"protocols", "Protocols"},
                 {"open_connections", "Open connections"}});
  html += "<p>TLS handshakes: " + field("tls_handshakes.total", text(h["total"])) +
          "; in the last minute " +
          field("tls_handshakes.last_minute.handshakes",
                text(h.contains("last_minute") ? h["last_minute"]["handshakes"] : json())) +
          ", failed: ";
  for (const char* reason : {"timeout", "closed", "protocol"}) {
    html += std::string(reason) + " " +
            field(std::string("tls_handshakes.last_minute.failures.") + reason,
                  text(h.contains("last_minute") ? h["last_minute"]["failures"][reason] : json())) +
            " ";
  }
  return html + "</p></section>";
}

std::string backendsSection(const json& s) {
  const json& b = s["backends"];
  std::string html = "<section><h2>Backends</h2><p>Connect failures: ";
  for (const char* reason : {"refused", "timeout", "error", "host_down", "tls"}) {
    html += std::string(reason) + " " +
            field(std::string("backends.connect_failures.") + reason,
                  text(b["connect_failures"][reason])) +
            " ";
  }
  html += "</p>";
  html += table("hosts", b["hosts"], {{"host", "Host"}, {"up", "Up"}});
  return html + "</section>";
}

std::string appsSection(const json& s) {
  std::string html = "<section><h2>Apps</h2>";
  html += table("apps", s["apps"],
                {{"name", "App"},
                 {"port", "Port"},
                 {"listening", "Listening"},
                 {"start_command", "Start command"},
                 {"last_start/ok", "Last start ok"},
                 {"last_start/message", "Message"},
                 {"log", "Log"}});
  return html + "</section>";
}

std::string certificatesSection(const json& s) {
  if (!s.contains("certificates")) {
    return "";
  }
  std::string html = "<section><h2>Certificates</h2>";
  html += table("certificates", s["certificates"],
                {{"file", "File"},
                 {"names", "Names"},
                 {"issuer", "Issuer"},
                 {"not_after_date", "Not after"},
                 {"days_left", "Days left"}});
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
  html += "<header><h1>httpgate</h1><p>as of <span id=\"now\">" + when(status["now"]) +
          "</span> · <a href=\"/status.json\">status.json</a> · "
          "<a href=\"/metrics\">metrics</a></p></header>\n<main>";
  html += gateSection(status) + listenersSection(status) + trafficSection(status) +
          backendsSection(status) + appsSection(status) + certificatesSection(status);
  return html + "</main></body></html>\n";
}

}  // namespace httpgate::gate
