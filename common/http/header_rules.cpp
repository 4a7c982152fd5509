#include "common/http/header_rules.h"

#include <array>

#include "common/http/chars.h"
#include "common/http/responses.h"

namespace httpgate::http {

namespace {

// The Connection field values of a head, gathered once so that every other
// field can be checked against them.
class ConnectionOptions {
 public:
  explicit ConnectionOptions(const std::vector<HeaderField>& headers) : headers_(headers) {
    for (const HeaderField& f : headers) {
      if (iequals(f.name, "connection")) {
        if (count_ < values_.size()) {
          values_[count_] = f.value;
        }
        ++count_;
      }
    }
  }

  // True when a Connection field names `name` (RFC 9110 7.6.1). Fields that
  // frame the message or route it are never dropped this way: a client that
  // names Content-Length must not make the gate forward a body the backend
  // then reads as the next request.
  bool names(std::string_view name) const {
    if (count_ == 0 || iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
        iequals(name, "host")) {
      return false;
    }
    if (count_ <= values_.size()) {
      for (size_t i = 0; i < count_; ++i) {
        if (listContains(values_[i], name)) {
          return true;
        }
      }
      return false;
    }
    for (const HeaderField& f : headers_) {  // many Connection lines: no cache
      if (iequals(f.name, "connection") && listContains(f.value, name)) {
        return true;
      }
    }
    return false;
  }

 private:
  const std::vector<HeaderField>& headers_;
  std::array<std::string_view, 4> values_{};
  size_t count_ = 0;
};

void appendField(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

void appendXPil(std::string& out, std::string_view key, std::string_view value) {
  out.append("X-Pil: *");
  out.append(key);
  out.push_back('=');
  out.append(value);
  out.append("\r\n");
}

// RFC 7239 4: a value that is not a token goes in a quoted-string.
void appendForwardedValue(std::string& out, std::string_view value) {
  if (isToken(value)) {
    out.append(value);
    return;
  }
  out.push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  out.push_back('"');
}

void appendForwardedFields(std::string& out, std::string_view host, const ClientInfo& client) {
  appendField(out, "X-Forwarded-For", client.address);
  appendField(out, "X-Forwarded-Proto", client.scheme);
  if (!host.empty()) {
    appendField(out, "X-Forwarded-Host", host);
  }
  out.append("Forwarded: for=");
  if (client.address.empty()) {
    out.append("unknown");
  } else if (client.address.find(':') != std::string_view::npos) {
    out.append("\"[");  // RFC 7239 6: an IPv6 node is bracketed and quoted
    out.append(client.address);
    out.append("]\"");
  } else {
    out.append(client.address);
  }
  out.append(";proto=");
  appendForwardedValue(out, client.scheme);
  if (!host.empty()) {
    out.append(";host=");
    appendForwardedValue(out, host);
  }
  out.append("\r\n");
}

size_t fieldsSize(const std::vector<HeaderField>& headers) {
  size_t n = 0;
  for (const HeaderField& f : headers) {
    n += f.name.size() + f.value.size() + 4;
  }
  return n;
}

void appendStatusCode(std::string& out, int status) {
  const int s = (status >= 100 && status <= 999) ? status : 500;
  out.push_back(static_cast<char>('0' + s / 100));
  out.push_back(static_cast<char>('0' + s / 10 % 10));
  out.push_back(static_cast<char>('0' + s % 10));
}

}  // namespace

bool isHopByHop(std::string_view name) {
  switch (name.size()) {
    case 2:
      return iequals(name, "te");
    case 7:
      return iequals(name, "trailer") || iequals(name, "upgrade");
    case 10:
      return iequals(name, "connection") || iequals(name, "keep-alive");
    case 16:
      return iequals(name, "proxy-connection");
    default:
      return false;
  }
}

bool isForwardingHeader(std::string_view name) {
  constexpr std::string_view kXForwarded = "x-forwarded-";
  return iequals(name, "x-pil") || iequals(name, "forwarded") ||
         (name.size() >= kXForwarded.size() &&
          iequals(name.substr(0, kXForwarded.size()), kXForwarded));
}

void appendBackendRequestHead(std::string& out, const RequestHead& head,
                              std::string_view pathPrefix, std::string_view path,
                              const ClientInfo& client, const ForwardOptions& options) {
  out.reserve(out.size() + head.method.size() + pathPrefix.size() + path.size() +
              fieldsSize(head.headers) + 256);
  out.append(head.method);
  out.push_back(' ');
  out.append(pathPrefix);
  out.append(path);
  out.append(head.version == Version::Http10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
  if (options.picolisp) {
    appendXPil(out, "Gate", client.scheme);
    appendXPil(out, "Adr", client.address);
    if (!client.cipher.empty()) {
      appendXPil(out, "Cipher", client.cipher);
    }
  }
  const ConnectionOptions connection(head.headers);
  bool sentHost = false;
  for (const HeaderField& f : head.headers) {
    if (isHopByHop(f.name)) {
      // The Upgrade field of an upgrade request goes on; its Connection
      // option is re-added below.
      if (head.upgrade && iequals(f.name, "upgrade")) {
        appendField(out, f.name, f.value);
      }
      continue;
    }
    if (isForwardingHeader(f.name) || connection.names(f.name)) {
      continue;
    }
    if (f.name.size() == 4 && iequals(f.name, "host")) {
      appendField(out, f.name, head.host);  // the absolute-form authority wins
      sentHost = true;
      continue;
    }
    appendField(out, f.name, f.value);
  }
  if (!sentHost && !head.host.empty()) {
    appendField(out, "Host", head.host);  // HTTP/1.0 absolute-form without Host
  }
  if (head.upgrade) {
    out.append("Connection: upgrade\r\n");
  }
  if (options.forwarded) {
    appendForwardedFields(out, head.host, client);
  }
  out.append("\r\n");
}

void appendClientResponseHead(std::string& out, const ResponseHead& head, Version clientVersion,
                              bool keepAlive, bool switching) {
  out.reserve(out.size() + fieldsSize(head.headers) + 64);
  out.append("HTTP/1.1 ");
  appendStatusCode(out, head.status);
  out.push_back(' ');
  // A backend may send no reason; the client then gets the standard one.
  if (!head.reason.empty()) {
    out.append(head.reason);
  } else if (std::string_view standard = reasonPhrase(head.status); standard != "Unknown") {
    out.append(standard);
  }
  out.append("\r\n");
  const ConnectionOptions connection(head.headers);
  for (const HeaderField& f : head.headers) {
    if (!isHopByHop(f.name) && !connection.names(f.name)) {
      appendField(out, f.name, f.value);
    }
  }
  if (switching) {
    out.append("Connection: upgrade\r\n");
    for (const HeaderField& f : head.headers) {
      if (iequals(f.name, "upgrade")) {
        appendField(out, f.name, f.value);
      }
    }
  } else if (!keepAlive) {
    out.append("Connection: close\r\n");
  } else if (clientVersion == Version::Http10) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
}

}  // namespace httpgate::http
