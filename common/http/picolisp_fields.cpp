#include "common/http/picolisp_fields.h"

#include <charconv>

#include "common/http/chars.h"

namespace httpgate::http {

namespace {

constexpr std::string_view kGate = "*Gate";
constexpr std::string_view kAddress = "*Adr";
constexpr std::string_view kCipher = "*Cipher";

constexpr std::string_view kMultipart = "multipart/form-data";
constexpr std::string_view kPicolispForm = "multipart/form-data; boundary=";

// Reads one media-type parameter value (RFC 9110 5.6.6: token or
// quoted-string) from the front of `rest` into `value`, unquoting it, and
// leaves `rest` after it. False when a quoted-string does not end.
bool takeParameterValue(std::string_view& rest, std::string& value) {
  value.clear();
  if (rest.empty() || rest.front() != '"') {
    size_t end = rest.find(';');
    value.assign(trimOws(rest.substr(0, end)));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    return true;
  }
  for (size_t i = 1; i < rest.size(); ++i) {
    if (rest[i] == '\\' && i + 1 < rest.size()) {
      value.push_back(rest[++i]);
    } else if (rest[i] == '"') {
      rest.remove_prefix(i + 1);
      return true;
    } else {
      value.push_back(rest[i]);
    }
  }
  return false;
}

void appendPil(std::string& out, std::string_view key, std::string_view value) {
  out.append(kPilField);
  out.append(": ");
  out.append(key);
  out.push_back('=');
  out.append(value);
  out.append("\r\n");
}

void takeFirst(std::optional<std::string_view>& slot, std::string_view value) {
  if (!slot) {
    slot = value;
  }
}

}  // namespace

void appendPilFields(std::string& out, std::string_view scheme, std::string_view address,
                     std::string_view cipher) {
  appendPil(out, kGate, scheme);
  appendPil(out, kAddress, address);
  if (!cipher.empty()) {
    appendPil(out, kCipher, cipher);
  }
}

bool isPilField(std::string_view name) {
  return iequals(name, kPilField);
}

void readPilField(std::string_view value, PilFields& fields) {
  const std::string_view item = trimOws(value);
  const size_t equals = item.find('=');
  if (equals == std::string_view::npos) {
    return;
  }
  const std::string_view key = item.substr(0, equals);
  const std::string_view text = item.substr(equals + 1);
  if (key == kGate) {
    takeFirst(fields.gate, text);
  } else if (key == kAddress) {
    takeFirst(fields.address, text);
  } else if (key == kCipher) {
    takeFirst(fields.cipher, text);
  }
}

void appendPicolispContentLength(std::string& out, std::string_view name, uint64_t length) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, length);
  out.append(name);
  out.append(": ");
  out.append(digits, end);
  out.append("\r\n");
}

bool appendPicolispContentType(std::string& out, std::string_view name, std::string_view value) {
  size_t semicolon = value.find(';');
  if (!iequals(trimOws(value.substr(0, semicolon)), kMultipart)) {
    return false;
  }
  if (value.size() > kPicolispForm.size() &&
      iequals(value.substr(0, kPicolispForm.size()), kPicolispForm) &&
      value.find_first_of(";\"", kPicolispForm.size()) == std::string_view::npos) {
    return false;  // already what http.l reads
  }
  std::string boundary;
  std::string parameter;
  std::string_view rest = semicolon == std::string_view::npos ? "" : value.substr(semicolon);
  while (!rest.empty() && rest.front() == ';') {
    rest.remove_prefix(1);
    size_t equals = rest.find('=');
    if (equals == std::string_view::npos) {
      break;
    }
    const std::string_view key = trimOws(rest.substr(0, equals));
    rest = trimOws(rest.substr(equals + 1));
    if (!takeParameterValue(rest, parameter)) {
      return false;
    }
    if (iequals(key, "boundary")) {
      boundary = parameter;
    }
    rest = trimOws(rest);
  }
  if (boundary.empty()) {
    return false;  // not a form http.l could read anyway: leave it alone
  }
  out.append(name);
  out.append(": ");
  out.append(kPicolispForm);
  out.append(boundary);
  out.append("\r\n");
  return true;
}

}  // namespace httpgate::http
