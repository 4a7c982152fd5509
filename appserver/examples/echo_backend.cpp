// httpgate-echo-backend: a small HTTP/1.1 backend for the quick start and the
// benchmark. It answers every request with a page that shows what the gate
// forwarded (request line, X-Pil and X-Forwarded headers), and /bytes/N with
// N bytes of body. Built on libevent's evhttp; one thread per listening port.
//
//   httpgate-echo-backend PORT [PORT ...]
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

const char* methodName(evhttp_cmd_type type) {
  switch (type) {
    case EVHTTP_REQ_GET:
      return "GET";
    case EVHTTP_REQ_POST:
      return "POST";
    case EVHTTP_REQ_HEAD:
      return "HEAD";
    case EVHTTP_REQ_PUT:
      return "PUT";
    case EVHTTP_REQ_DELETE:
      return "DELETE";
    case EVHTTP_REQ_OPTIONS:
      return "OPTIONS";
    case EVHTTP_REQ_PATCH:
      return "PATCH";
    default:
      return "OTHER";
  }
}

void appendEscaped(std::string& out, const char* text) {
  for (const char* p = text; *p != '\0'; ++p) {
    switch (*p) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      default:
        out += *p;
    }
  }
}

// /bytes/N: N bytes of 'x' (at most 1 GiB), for throughput measurements.
bool serveBytes(evhttp_request* request, const char* uri) {
  if (std::strncmp(uri, "/bytes/", 7) != 0) {
    return false;
  }
  char* end = nullptr;
  unsigned long long size = std::strtoull(uri + 7, &end, 10);
  if (end == uri + 7 || size > (1ull << 30)) {
    evhttp_send_error(request, 400, "bad size");
    return true;
  }
  evbuffer* body = evbuffer_new();
  static const std::string kChunk(64 * 1024, 'x');
  for (unsigned long long left = size; left > 0;) {
    size_t n = left < kChunk.size() ? left : kChunk.size();
    evbuffer_add(body, kChunk.data(), n);
    left -= n;
  }
  evhttp_add_header(evhttp_request_get_output_headers(request), "Content-Type",
                    "application/octet-stream");
  evhttp_send_reply(request, 200, "OK", body);
  evbuffer_free(body);
  return true;
}

void onRequest(evhttp_request* request, void* arg) {
  const int port = *static_cast<int*>(arg);
  const char* uri = evhttp_request_get_uri(request);
  if (serveBytes(request, uri)) {
    return;
  }
  std::string page =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>httpgate echo</title></head>"
      "<body>\n<h1>Hello from the backend on port " +
      std::to_string(port) + "</h1>\n<p>The gate forwarded this request:</p>\n<pre>";
  page += methodName(evhttp_request_get_command(request));
  page += ' ';
  appendEscaped(page, uri);
  page += '\n';
  evkeyvalq* headers = evhttp_request_get_input_headers(request);
  for (evkeyval* header = headers->tqh_first; header != nullptr; header = header->next.tqe_next) {
    appendEscaped(page, header->key);
    page += ": ";
    appendEscaped(page, header->value);
    page += '\n';
  }
  page += "</pre>\n</body></html>\n";
  evbuffer* body = evbuffer_new();
  evbuffer_add(body, page.data(), page.size());
  evhttp_add_header(evhttp_request_get_output_headers(request), "Content-Type",
                    "text/html; charset=utf-8");
  evhttp_send_reply(request, 200, "OK", body);
  evbuffer_free(body);
}

void serve(int port) {
  event_base* base = event_base_new();
  evhttp* http = evhttp_new(base);
  evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                       EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                                       EVHTTP_REQ_PATCH);
  evhttp_set_gencb(http, onRequest, &port);
  if (evhttp_bind_socket(http, "127.0.0.1", static_cast<uint16_t>(port)) != 0) {
    fprintf(stderr, "httpgate-echo-backend: cannot listen on 127.0.0.1:%d\n", port);
    std::exit(1);
  }
  fprintf(stderr, "httpgate-echo-backend: listening on 127.0.0.1:%d\n", port);
  event_base_dispatch(base);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: httpgate-echo-backend PORT [PORT ...]\n");
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::thread> threads;
  for (int i = 1; i < argc; ++i) {
    int port = std::atoi(argv[i]);
    if (port <= 0 || port > 65535) {
      fprintf(stderr, "httpgate-echo-backend: bad port \"%s\"\n", argv[i]);
      return 2;
    }
    threads.emplace_back(serve, port);
  }
  for (auto& thread : threads) {
    thread.join();
  }
  return 0;
}
