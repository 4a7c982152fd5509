#include "appserver/src/refusals.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "appserver/src/response_writer.h"
#include "appserver/src/sockets.h"

namespace httpgate::appserver::detail {
namespace {

using namespace std::chrono_literals;

// Refused connections kept at once; more are closed right away.
constexpr size_t kMaxRefused = 256;
// How long one may take: its handshake, the answer, the client's close.
constexpr std::chrono::milliseconds kRefusedLinger = 1s;

bool wouldBlock() {
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

}  // namespace

void Refusals::add(int fd, Clock::time_point now) {
  if (refused_.size() >= kMaxRefused) {
    ::close(fd);
    return;
  }
  setNonBlocking(fd);
  Refused refused{fd, now + kRefusedLinger, nullptr, {}};
  appendResponse(refused.out, errorResponse(503, "too many sessions, try again later"),
                 {.close = true});
  if (tls_ != nullptr) {
    SSL* ssl = tls_->accept(fd);
    if (ssl == nullptr) {
      ::close(fd);
      return;
    }
    refused.tls = std::make_unique<TlsLink>(ssl);
  }
  if (!advance(refused)) {
    refused_.push_back(std::move(refused));
  } else {
    ::close(fd);
  }
}

bool Refusals::advance(Refused& refused) {
  if (!refused.out.empty()) {
    ssize_t n = refused.tls ? refused.tls->transmit(refused.out.data(), refused.out.size())
                            : ::send(refused.fd, refused.out.data(), refused.out.size(),
                                     MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      refused.out.erase(0, static_cast<size_t>(n));
    } else if (n == 0 || !wouldBlock()) {
      return true;
    }
    if (!refused.out.empty()) {
      return false;  // the handshake, or the socket buffer, is not done yet
    }
  }
  if (!refused.shut) {
    if (refused.tls) {
      refused.tls->closeNotify();
    }
    ::shutdown(refused.fd, SHUT_WR);
    refused.shut = true;
  }
  char scratch[4096];
  for (int round = 0; round < 4; ++round) {
    ssize_t n = refused.tls ? refused.tls->receive(scratch, sizeof scratch)
                            : ::recv(refused.fd, scratch, sizeof scratch, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && !wouldBlock())) {
      return true;
    }
    if (n < 0) {
      break;
    }
  }
  return false;
}

void Refusals::watch(std::vector<pollfd>& fds) const {
  for (const Refused& refused : refused_) {
    short events = POLLIN;
    if (!refused.out.empty() && (!refused.tls || refused.tls->wantsWrite())) {
      events |= POLLOUT;
    }
    fds.push_back({refused.fd, events, 0});
  }
}

void Refusals::progress(Clock::time_point now) {
  std::erase_if(refused_, [now](Refused& refused) {
    bool done = now >= refused.until || advance(refused);
    if (done) {
      ::close(refused.fd);
    }
    return done;
  });
}

void Refusals::closeAll() {
  for (Refused& refused : refused_) {
    ::close(refused.fd);
  }
  refused_.clear();
}

std::vector<int> Refusals::descriptors() const {
  std::vector<int> fds;
  for (const Refused& refused : refused_) {
    fds.push_back(refused.fd);
  }
  return fds;
}

}  // namespace httpgate::appserver::detail
