// The Prometheus text exposition format, version 0.0.4: "# HELP" and
// "# TYPE" lines per metric family, then one line per sample,
//   name{label="value",...} 42
// Label values and help texts are escaped as the format requires. Pure
// string building, no I/O: the admin endpoint sends what text() returns.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace httpgate::gate {

// `value` escaped for a label value: backslash, double quote and line feed
// become \\, \" and \n.
std::string escapeLabelValue(std::string_view value);

// `text` escaped for a HELP line: backslash and line feed become \\ and \n.
std::string escapeHelp(std::string_view text);

class PrometheusText {
 public:
  struct Label {
    std::string_view name;  // [a-zA-Z_][a-zA-Z0-9_]*, written as given
    std::string_view value;
  };

  // Starts a family: its HELP and TYPE ("counter", "gauge") lines. Every
  // sample of the family must follow before the next family starts.
  void family(std::string_view name, std::string_view help, std::string_view type);

  void sample(std::string_view name, std::initializer_list<Label> labels, uint64_t value);
  void sample(std::string_view name, std::initializer_list<Label> labels, int64_t value);
  // Written in the shortest form that reads back as the same double.
  void sample(std::string_view name, std::initializer_list<Label> labels, double value);

  const std::string& text() const { return text_; }

 private:
  void beginSample(std::string_view name, std::initializer_list<Label> labels);

  std::string text_;
};

}  // namespace httpgate::gate
