#include "appserver/src/request_reader.h"

namespace httpgate::appserver::detail {

RequestReader::RequestReader(size_t maxHead, size_t maxBody) : maxBody_(maxBody) {
  limits_.maxHeadBytes = maxHead;
  if (limits_.maxRequestLine > maxHead) {
    limits_.maxRequestLine = maxHead;
  }
}

RequestReader::Progress RequestReader::fail(int status, const char* reason) {
  errorStatus_ = status;
  errorReason_ = reason;
  return Progress::Failed;
}

RequestReader::Progress RequestReader::advance() {
  if (!haveHead_) {
    http::ParseResult parsed = http::parseRequestHead(in_, head_, limits_);
    if (parsed.status == http::ParseStatus::NeedMore) {
      return Progress::NeedMore;
    }
    if (parsed.status == http::ParseStatus::Error) {
      return fail(parsed.errorStatus, parsed.reason);
    }
    if (head_.path.empty() || head_.path.front() != '/') {
      // CONNECT's authority-form and OPTIONS' "*" name no page.
      return fail(400, "request target is not a path");
    }
    if (head_.body == http::BodyKind::Length && head_.contentLength > maxBody_) {
      return fail(413, "body larger than maxBody");
    }
    haveHead_ = true;
    end_ = parsed.consumed;
    body_.clear();
    decoder_.reset(head_.body, head_.contentLength);
    continuePending_ = head_.expectContinue && head_.hasBody();
  }
  if (!decoder_.done()) {
    http::BodyDecoder::Step step = decoder_.decode(std::string_view(in_).substr(end_), body_);
    if (step.error) {
      return fail(400, step.reason);
    }
    end_ += step.consumed;
    if (body_.size() > maxBody_) {
      return fail(413, "body larger than maxBody");
    }
    if (!step.done) {
      return Progress::NeedMore;
    }
  }
  // in_ may have grown (and moved) since the head was parsed: parse it
  // again so that head()'s views point into the current buffer.
  http::parseRequestHead(in_, head_, limits_);
  return Progress::Ready;
}

bool RequestReader::takeContinue() {
  bool pending = continuePending_;
  continuePending_ = false;
  return pending;
}

void RequestReader::takeRequest() {
  in_.erase(0, end_);
  end_ = 0;
  haveHead_ = false;
  body_.clear();
  head_.clear();
}

}  // namespace httpgate::appserver::detail
