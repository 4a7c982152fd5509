#include "gate/telemetry/prometheus_text.h"

#include <charconv>
#include <cmath>

namespace httpgate::gate {
namespace {

template <typename Number>
void appendNumber(std::string& out, Number value) {
  char digits[64];
  auto [end, error] = std::to_chars(digits, digits + sizeof(digits), value);
  out.append(digits, error == std::errc() ? end : digits);
}

}  // namespace

std::string escapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escapeHelp(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void PrometheusText::family(std::string_view name, std::string_view help, std::string_view type) {
  text_.append("# HELP ").append(name).append(" ").append(escapeHelp(help)).append("\n");
  text_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void PrometheusText::beginSample(std::string_view name, std::initializer_list<Label> labels) {
  text_.append(name);
  if (labels.size() != 0) {
    text_ += '{';
    bool first = true;
    for (const Label& label : labels) {
      if (!first) {
        text_ += ',';
      }
      first = false;
      text_.append(label.name).append("=\"").append(escapeLabelValue(label.value)).append("\"");
    }
    text_ += '}';
  }
  text_ += ' ';
}

void PrometheusText::sample(std::string_view name, std::initializer_list<Label> labels,
                            uint64_t value) {
  beginSample(name, labels);
  appendNumber(text_, value);
  text_ += '\n';
}

void PrometheusText::sample(std::string_view name, std::initializer_list<Label> labels,
                            int64_t value) {
  beginSample(name, labels);
  appendNumber(text_, value);
  text_ += '\n';
}

void PrometheusText::sample(std::string_view name, std::initializer_list<Label> labels,
                            double value) {
  beginSample(name, labels);
  // The format's own spellings; to_chars would write "inf" and "nan".
  if (std::isnan(value)) {
    text_.append("NaN");
  } else if (std::isinf(value)) {
    text_.append(value > 0 ? "+Inf" : "-Inf");
  } else {
    appendNumber(text_, value);
  }
  text_ += '\n';
}

}  // namespace httpgate::gate
