// The Prometheus text format as written for /metrics: families, labels,
// number forms, and the escaping of label values and help texts.
#include "gate/telemetry/prometheus_text.h"

#include <gtest/gtest.h>

#include <limits>

namespace httpgate::gate {
namespace {

TEST(PrometheusText, FamilyThenSamples) {
  PrometheusText out;
  out.family("httpgate_x_total", "Things, counted.", "counter");
  out.sample("httpgate_x_total", {}, uint64_t{7});
  out.sample("httpgate_x_total", {{"code", "2xx"}, {"route", "app"}},
             uint64_t{18446744073709551615u});
  EXPECT_EQ(out.text(),
            "# HELP httpgate_x_total Things, counted.\n"
            "# TYPE httpgate_x_total counter\n"
            "httpgate_x_total 7\n"
            "httpgate_x_total{code=\"2xx\",route=\"app\"} 18446744073709551615\n");
}

TEST(PrometheusText, SignedAndFloatingValues) {
  PrometheusText out;
  out.sample("g", {}, int64_t{-3});
  out.sample("g", {}, 0.25);
  out.sample("g", {}, 0.0);
  out.sample("g", {}, std::numeric_limits<double>::infinity());
  out.sample("g", {}, -std::numeric_limits<double>::infinity());
  out.sample("g", {}, std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(out.text(), "g -3\ng 0.25\ng 0\ng +Inf\ng -Inf\ng NaN\n");
}

TEST(PrometheusText, LabelValuesAreEscaped) {
  EXPECT_EQ(escapeLabelValue("[::]:443"), "[::]:443");
  EXPECT_EQ(escapeLabelValue("a\\b"), "a\\\\b");
  EXPECT_EQ(escapeLabelValue("say \"hi\""), "say \\\"hi\\\"");
  EXPECT_EQ(escapeLabelValue("two\nlines"), "two\\nlines");
  EXPECT_EQ(escapeLabelValue("tab\tand } { , = stay"), "tab\tand } { , = stay");
  PrometheusText out;
  out.sample("m", {{"v", "x\"\\\ny"}}, uint64_t{1});
  EXPECT_EQ(out.text(), "m{v=\"x\\\"\\\\\\ny\"} 1\n");
}

TEST(PrometheusText, HelpIsEscapedButQuotesStay) {
  EXPECT_EQ(escapeHelp("a \"b\" \\ c\nd"), "a \"b\" \\\\ c\\nd");
  PrometheusText out;
  out.family("m", "line one\nline two", "gauge");
  EXPECT_EQ(out.text(), "# HELP m line one\\nline two\n# TYPE m gauge\n");
}

}  // namespace
}  // namespace httpgate::gate
