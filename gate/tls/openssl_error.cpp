#include "gate/tls/openssl_error.h"

#include <openssl/err.h>

namespace httpgate::gate {

std::string opensslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) {
    return "unknown OpenSSL error";
  }
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

}  // namespace httpgate::gate
