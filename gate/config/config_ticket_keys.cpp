// tls: — settings every TLS listener shares: the session ticket keys.
// tls.ticket_keys names a file of 80-byte keys in either of the formats
// operators already make them in: raw bytes, one key after another
// (nginx's ssl_session_ticket_key, `openssl rand 80 > file`), or one
// base64 line per key (HAProxy's tls-ticket-keys, `openssl rand -base64 80`).
// The file is read at every load, so a HUP after a rotation takes it in.
#include <openssl/evp.h>

#include <string>
#include <string_view>

#include "gate/config/config_sections.h"
#include "gate/config/config_values.h"

namespace httpgate::gate::detail {

namespace {

// More keys than any rotation scheme keeps; the file is read whole.
constexpr size_t kMaxTicketKeys = 64;
constexpr size_t kBase64KeyLength = 108;  // 80 bytes: 26 groups and one with a '='

bool isBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/' || c == '=';
}

// True when `text` is base64 lines (and blank lines) only: the HAProxy form.
bool looksLikeBase64Lines(std::string_view text) {
  for (char c : text) {
    if (!isBase64Char(c) && c != '\n' && c != '\r' && c != ' ' && c != '\t') {
      return false;
    }
  }
  return true;
}

std::string_view trimmed(std::string_view line) {
  const size_t first = line.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) {
    return {};
  }
  return line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
}

// Decodes one base64 line of an 80-byte key; false if it is anything else.
bool decodeKeyLine(std::string_view line, TicketKey& key) {
  if (line.size() != kBase64KeyLength || line[106] == '=' || line[107] != '=') {
    return false;
  }
  unsigned char out[81];
  const int n = EVP_DecodeBlock(out, reinterpret_cast<const unsigned char*>(line.data()),
                                static_cast<int>(line.size()));
  if (n != 81) {
    return false;
  }
  std::copy(out, out + TicketKey::kSize, key.bytes.begin());
  return true;
}

void parseBase64Keys(const ConfigValue& value, const std::string& path, std::string_view text,
                     std::vector<TicketKey>& keys) {
  size_t lineNumber = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    const std::string_view line = trimmed(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++lineNumber;
    if (line.empty()) {
      continue;
    }
    TicketKey key;
    if (!decodeKeyLine(line, key)) {
      value.fail("\"" + path + "\" line " + std::to_string(lineNumber) +
                 ": not an 80-byte key in base64 (make one with: openssl rand -base64 80 | "
                 "tr -d '\\n')");
    }
    keys.push_back(key);
  }
}

std::vector<TicketKey> readTicketKeys(const ConfigValue& value, const std::string& path) {
  const std::string text = readSmallFile(value, path, kMaxTicketKeys * kBase64KeyLength * 2);
  std::vector<TicketKey> keys;
  if (looksLikeBase64Lines(text)) {
    parseBase64Keys(value, path, text, keys);
  } else if (text.size() % TicketKey::kSize == 0) {
    for (size_t at = 0; at < text.size(); at += TicketKey::kSize) {
      TicketKey key;
      std::copy(text.begin() + at, text.begin() + at + TicketKey::kSize, key.bytes.begin());
      keys.push_back(key);
    }
  } else {
    value.fail("\"" + path + "\" is " + std::to_string(text.size()) +
               " bytes: expected 80-byte keys (openssl rand 80), one after another, or one "
               "base64 line per key");
  }
  if (keys.empty()) {
    value.fail("\"" + path + "\" has no key");
  }
  if (keys.size() > kMaxTicketKeys) {
    value.fail("\"" + path + "\" has " + std::to_string(keys.size()) + " keys; at most " +
               std::to_string(kMaxTicketKeys));
  }
  return keys;
}

}  // namespace

void parseTlsGlobal(const ConfigValue& value, TlsGlobalConfig& tls) {
  const ConfigMap map = value.map({"ticket_keys", "ticket_lifetime"});
  if (const ConfigValue* file = map.find("ticket_keys")) {
    if (!file->string().empty()) {
      tls.ticketKeysFile = file->filePath();
      tls.ticketKeys = readTicketKeys(*file, tls.ticketKeysFile);
    }
  }
  if (const ConfigValue* lifetime = map.find("ticket_lifetime")) {
    tls.ticketLifetime = lifetime->positiveDuration();
    if (tls.ticketLifetime < Duration(60'000)) {
      lifetime->fail("must be at least 1m");
    }
  }
}

}  // namespace httpgate::gate::detail
