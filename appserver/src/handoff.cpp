#include "appserver/src/handoff.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace httpgate::appserver::detail {

bool makeChannel(int (&ends)[2]) {
  return ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) == 0;
}

bool sendConnection(int channel, int fd) {
  // One byte of data: a message with descriptors must carry some.
  char byte = 'C';
  iovec io{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr message{};
  message.msg_iov = &io;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  cmsghdr* header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(header), &fd, sizeof(int));
  for (int round = 0; round < 8; ++round) {
    if (::sendmsg(channel, &message, MSG_NOSIGNAL | MSG_DONTWAIT) == 1) {
      return true;
    }
    if (errno != EINTR) {
      return false;
    }
  }
  return false;
}

int receiveConnection(int channel) {
  char byte = 0;
  iovec io{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr message{};
  message.msg_iov = &io;
  message.msg_iovlen = 1;
  message.msg_control = control;
  message.msg_controllen = sizeof control;
  ssize_t n = -1;
  for (int round = 0; round < 8; ++round) {
    n = ::recvmsg(channel, &message, MSG_CMSG_CLOEXEC);
    if (n >= 0 || errno != EINTR) {
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
