// The status page a person reads on the admin endpoint (/): HTML made on
// the admin thread from the /status.json document, readable without
// JavaScript; /status.js then refreshes it from /status.json every 2
// seconds and draws the last 15 minutes of traffic as an inline SVG chart,
// and /status.css styles it. No external asset: all three are the gate's.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace httpgate::gate {

// `text` with &, <, >, " and ' as character references: for every value
// that came from a client or a configuration.
std::string escapeHtml(std::string_view text);

// The page for `status` (statusJson()).
std::string renderStatusPage(const nlohmann::json& status);

// The page's stylesheet and script.
std::string_view statusStylesheet();
std::string_view statusScript();

}  // namespace httpgate::gate
