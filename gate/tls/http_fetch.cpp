#include "gate/tls/http_fetch.h"

#include <curl/curl.h>

#include <memory>

#include "common/http/chars.h"

namespace httpgate::gate {
namespace {

struct Received {
  HttpFetchResponse response;
  bool tooLarge = false;
};

size_t onBody(char* data, size_t size, size_t count, void* arg) {
  auto* received = static_cast<Received*>(arg);
  const size_t bytes = size * count;
  if (received->response.body.size() + bytes > kMaxFetchBytes) {
    received->tooLarge = true;
    return 0;  // makes curl fail the transfer
  }
  received->response.body.append(data, bytes);
  return bytes;
}

// One header line, "Name: value\r\n"; the status line and the blank line
// have no colon. A redirect is not followed, so one response's fields only.
size_t onHeader(char* data, size_t size, size_t count, void* arg) {
  auto* received = static_cast<Received*>(arg);
  const std::string_view line(data, size * count);
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ' ||
                              value.back() == '\t')) {
      value.remove_suffix(1);
    }
    received->response.headers.emplace_back(http::asciiLower(line.substr(0, colon)),
                                            std::string(value));
  }
  return size * count;
}

// libcurl's progress callback, a few times a second: non-zero abandons.
int onProgress(void* arg, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancel = static_cast<const std::atomic<bool>*>(arg);
  return cancel->load() ? 1 : 0;
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

std::optional<std::string> HttpFetchResponse::header(std::string_view name) const {
  const std::string lower = http::asciiLower(name);
  for (const auto& [key, value] : headers) {
    if (key == lower) {
      return value;
    }
  }
  return std::nullopt;
}

void initHttpFetch() {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

Result<HttpFetchResponse> httpFetch(const HttpFetchRequest& request) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) {
    return Result<HttpFetchResponse>::fail("cannot make an HTTP client");
  }
  CURL* c = curl.get();
  Received received;
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for timeouts: threads
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, request.timeoutMs);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &received);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &received);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "httpgate");
  if (request.cancel != nullptr) {
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, onProgress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(request.cancel));
  }
  if (!request.caFile.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, request.caFile.c_str());
  }
  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (request.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  curl_slist* list = nullptr;
  for (const std::string& header : request.headers) {
    list = curl_slist_append(list, header.c_str());
  }
  std::unique_ptr<curl_slist, ListDeleter> headers(list);
  if (list != nullptr) {
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  }
  const CURLcode code = curl_easy_perform(c);
  if (received.tooLarge) {
    return Result<HttpFetchResponse>::fail(request.url + ": response larger than " +
                                           std::to_string(kMaxFetchBytes) + " bytes");
  }
  if (code != CURLE_OK) {
    return Result<HttpFetchResponse>::fail(request.url + ": " +
                                           (error[0] != '\0' ? error : curl_easy_strerror(code)));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &received.response.status);
  return Result<HttpFetchResponse>::success(std::move(received.response));
}

}  // namespace httpgate::gate
