#include "tests/support/client.h"

namespace httpgate::test {

void Client::attach(std::unique_ptr<Stream> stream) {
  stream_ = std::move(stream);
  reader_ = std::make_unique<BufferedReader>(*stream_);
}

Client Client::plain(uint16_t port, const std::string& host, const std::string& source) {
  Client client;
  UniqueFd fd = connectTcp(host, port, kIoTimeout, &client.error_, source);
  if (fd.valid()) {
    client.attach(std::make_unique<PlainStream>(std::move(fd)));
  }
  return client;
}

Client Client::tls(uint16_t port, const TlsOptions& options, const std::string& host) {
  Client client;
  UniqueFd fd = connectTcp(host, port, kIoTimeout, &client.error_, options.source);
  if (!fd.valid()) {
    return client;
  }
  std::unique_ptr<TlsStream> stream =
      TlsStream::connect(std::move(fd), options, kIoTimeout, client.error_, &client.tlsReason_);
  if (stream) {
    client.tls_ = stream.get();
    client.attach(std::move(stream));
  }
  return client;
}

bool Client::send(std::string_view bytes, Millis timeout) {
  return stream_ && stream_->writeAll(bytes, timeout) == IoStatus::Ok;
}

HttpResponse Client::readResponse(bool headRequest, Millis timeout) {
  if (!reader_) {
    HttpResponse response;
    response.error = "not connected: " + error_;
    return response;
  }
  return readHttpResponse(*reader_, headRequest, Deadline(timeout));
}

HttpResponse Client::exchange(std::string_view request, bool headRequest, Millis timeout) {
  const Deadline deadline(timeout);
  if (!send(request, timeout)) {
    HttpResponse response;
    response.error = "sending the request failed" +
                     (stream_ ? ": " + stream_->lastError() : ": not connected: " + error_);
    return response;
  }
  return readResponse(headRequest, deadline.remaining());
}

bool Client::waitClosed(Millis timeout) {
  if (!reader_) {
    return true;
  }
  const Deadline deadline(timeout);
  while (true) {
    // receive() consumes nothing: whatever arrives stays visible in unread().
    const IoStatus status = reader_->receive(deadline);
    if (status == IoStatus::Eof || status == IoStatus::Error) {
      return true;
    }
    if (status == IoStatus::Timeout) {
      return false;
    }
  }
}

std::string Client::readBytes(size_t n, Millis timeout) {
  std::string out;
  if (reader_ && reader_->readExactly(n, out, Deadline(timeout)) != IoStatus::Ok) {
    out = reader_->takeBuffered();  // fewer than asked: show what came
  }
  return out;
}

void Client::shutdownWrite() {
  if (stream_) {
    stream_->shutdownWrite();
  }
}

std::string getRequest(std::string_view target, std::string_view extraFields,
                       std::string_view host) {
  std::string request = "GET ";
  request.append(target).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
  request.append(extraFields).append("\r\n");
  return request;
}

std::string postRequest(std::string_view target, std::string_view body,
                        std::string_view extraFields, std::string_view host) {
  std::string request = "POST ";
  request.append(target).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
  request.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  request.append(extraFields).append("\r\n").append(body);
  return request;
}

}  // namespace httpgate::test
