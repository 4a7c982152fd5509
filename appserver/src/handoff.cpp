#include "appserver/src/handoff.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace httpgate::appserver::detail {
namespace {

// One message of the channel: a byte of data (a message with descriptors
// must carry some) and room for one descriptor.
struct Envelope {
  Envelope() {
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
  }
  Envelope(const Envelope&) = delete;
  Envelope& operator=(const Envelope&) = delete;

  char byte = 'C';
  iovec io{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr message{};
};

}  // namespace

bool makeChannel(int (&ends)[2]) {
  return ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) == 0;
}

bool sendConnection(int channel, int fd) {
  Envelope envelope;
  cmsghdr* header = CMSG_FIRSTHDR(&envelope.message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(header), &fd, sizeof(int));
  for (int round = 0; round < 8; ++round) {
    if (::sendmsg(channel, &envelope.message, MSG_NOSIGNAL | MSG_DONTWAIT) == 1) {
      return true;
    }
    if (errno != EINTR) {
      return false;
    }
  }
  return false;
}

int receiveConnection(int channel) {
  Envelope envelope;
  msghdr& message = envelope.message;
  ssize_t n = -1;
  // ECONNRESET: the parent closed its end with our ready report still
  // unread in it (it handed us a visitor before reading the report). The
  // kernel then reports the reset before the messages still queued for us:
  // read on, the visitor's connection is there.
  for (int round = 0; round < 8; ++round) {
    n = ::recvmsg(channel, &message, MSG_CMSG_CLOEXEC);
    if (n >= 0 || (errno != EINTR && errno != ECONNRESET)) {
      break;
    }
  }
  if (n <= 0) {
    return -1;
  }
  for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr;
       header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS &&
        header->cmsg_len == CMSG_LEN(sizeof(int))) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(header), sizeof(int));
      return fd;
    }
  }
  return -1;
}

}  // namespace httpgate::appserver::detail
