// Result<T, Error>: what a step of setup code made, or why it could not.
// For the code that runs at start-up and on reload (configuration values
// and files, the names file, the legacy command line, TLS contexts, the
// access log, listening sockets), where the error is a message for the log
// and the operator: `Error` is a std::string unless a step needs more. The
// data path keeps its own small enums (http::ParseStatus, IoStatus, ...):
// a per-byte or per-read status is no place for a string.
//
//   Result<uint16_t> port(std::string_view text) {
//     if (...) {
//       return Result<uint16_t>::fail("\"" + std::string(text) + "\" is not a port");
//     }
//     return Result<uint16_t>::success(value);
//   }
//
//   auto parsed = port(text);
//   if (!parsed.ok()) {
//     return Result<Config>::fail(std::move(parsed).error());
//   }
//   config.port = parsed.value();
//
// Both sides are built explicitly (no conversion from T or from Error), so
// that a Result<std::string> cannot mistake a message for a value.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <variant>

namespace httpgate {

template <typename T, typename Error = std::string>
class [[nodiscard]] Result {
 public:
  // A success holding `value`.
  static Result success(T value) { return Result(std::in_place_index<kValue>, std::move(value)); }
  // A failure holding `error`.
  static Result fail(Error error) { return Result(std::in_place_index<kError>, std::move(error)); }

  bool ok() const { return state_.index() == kValue; }

  // The value of a success. Asking a failure for its value is a bug of the
  // caller, reported as std::bad_variant_access rather than undefined.
  T& value() & { return std::get<kValue>(state_); }
  const T& value() const& { return std::get<kValue>(state_); }
  T&& value() && { return std::get<kValue>(std::move(state_)); }

  // The error of a failure (a success has none: std::bad_variant_access).
  const Error& error() const& { return std::get<kError>(state_); }
  Error&& error() && { return std::get<kError>(std::move(state_)); }

 private:
  static constexpr size_t kValue = 0;
  static constexpr size_t kError = 1;

  template <size_t Index, typename U>
  Result(std::in_place_index_t<Index> side, U&& content) : state_(side, std::forward<U>(content)) {}

  // By index, not by type: T and Error may be the same type.
  std::variant<T, Error> state_;
};

}  // namespace httpgate
