// Result<T, Error> of setup code (common/result.h).
#include "common/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <variant>

namespace httpgate {
namespace {

Result<int> half(int n) {
  if (n % 2 != 0) {
    return Result<int>::fail(std::to_string(n) + " is odd");
  }
  return Result<int>::success(n / 2);
}

// An error passed on from one step to the next.
Result<std::string> quarter(int n) {
  auto first = half(n);
  if (!first.ok()) {
    return Result<std::string>::fail("quarter: " + std::move(first).error());
  }
  auto second = half(first.value());
  if (!second.ok()) {
    return Result<std::string>::fail("quarter: " + std::move(second).error());
  }
  return Result<std::string>::success(std::to_string(second.value()));
}

TEST(ResultTest, HoldsTheValueOrTheError) {
  const Result<int> good = half(8);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good.value(), 4);
  const Result<int> bad = half(7);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), "7 is odd");
}

TEST(ResultTest, ErrorsPassFromStepToStep) {
  EXPECT_EQ(quarter(12).value(), "3");
  EXPECT_EQ(quarter(7).error(), "quarter: 7 is odd");
  EXPECT_EQ(quarter(6).error(), "quarter: 3 is odd");
}

TEST(ResultTest, SameTypeOnBothSidesStaysApart) {
  // A Result<std::string>'s message is never taken for its value.
  const auto value = Result<std::string>::success("text");
  const auto error = Result<std::string>::fail("text");
  EXPECT_TRUE(value.ok());
  EXPECT_FALSE(error.ok());
  EXPECT_EQ(value.value(), "text");
  EXPECT_EQ(error.error(), "text");
}

TEST(ResultTest, MovesItsContentOut) {
  auto made = Result<std::unique_ptr<int>>::success(std::make_unique<int>(5));
  ASSERT_TRUE(made.ok());
  std::unique_ptr<int> taken = std::move(made).value();
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(*taken, 5);
  auto none = Result<std::unique_ptr<int>>::success(nullptr);
  EXPECT_TRUE(none.ok());  // an empty value is still a success
  EXPECT_EQ(none.value(), nullptr);
}

TEST(ResultTest, ValueCanBeChangedInPlace) {
  auto result = Result<std::string>::success("a");
  result.value() += "b";
  EXPECT_EQ(result.value(), "ab");
}

struct Failure {
  int line = 0;
  std::string message;
};

TEST(ResultTest, TakesAnErrorTypeOfItsOwn) {
  const auto failed = Result<int, Failure>::fail(Failure{3, "bad key"});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().line, 3);
  EXPECT_EQ(failed.error().message, "bad key");
}

TEST(ResultTest, AskingTheWrongSideIsReportedNotUndefined) {
  const Result<int> bad = half(1);
  const Result<int> good = half(2);
  EXPECT_THROW((void)bad.value(), std::bad_variant_access);
  EXPECT_THROW((void)good.error(), std::bad_variant_access);
}

}  // namespace
}  // namespace httpgate
