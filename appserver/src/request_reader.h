// Reads requests off one connection's bytes with the gate's own parser
// (common/http): the head within maxHead, then the body (Content-Length or
// chunked) decoded and held within maxBody. Sans-I/O: the caller appends
// the bytes it received and asks for the next complete request.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/http/body_decoder.h"
#include "common/http/head_parser.h"
#include "common/http/message.h"

namespace httpgate::appserver::detail {

class RequestReader {
 public:
  enum class Progress { NeedMore, Ready, Failed };

  RequestReader(size_t maxHead, size_t maxBody);

  // The bytes received and not yet taken by a request.
  std::string& input() { return in_; }
  bool empty() const { return in_.empty(); }

  // Tries to complete the next request from input(). Ready: head() and
  // body() describe it until takeRequest(). Failed: errorStatus() (400,
  // 413, 431, 501, 505 ...) and errorReason(); the connection is then to be
  // answered and closed, since where the next request starts is unknown.
  Progress advance();
  // Whether the client waits for "100 Continue" before sending the body;
  // true once after the head of such a request is complete.
  bool takeContinue();

  const http::RequestHead& head() const { return head_; }
  std::string& body() { return body_; }
  // Drops the request returned by advance() from input().
  void takeRequest();

  int errorStatus() const { return errorStatus_; }
  const char* errorReason() const { return errorReason_; }

 private:
  Progress fail(int status, const char* reason);

  http::HeadLimits limits_;
  size_t maxBody_;
  std::string in_;
  http::RequestHead head_;
  bool haveHead_ = false;
  bool continuePending_ = false;
  http::BodyDecoder decoder_;
  std::string body_;
  size_t end_ = 0;  // where the current request's bytes end in in_
  int errorStatus_ = 0;
  const char* errorReason_ = "";
};

}  // namespace httpgate::appserver::detail
