// httpgate-forkrate: how many fork()s a second this machine makes for a
// minimal process (fork, the child _exits at once, waitpid), the floor
// under any session rate that forks a process per session.
//
//   httpgate-forkrate [SECONDS]     (default 3, at most 60)
//
// Prints one JSON line: forks, seconds, forks_per_s, us_per_fork.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::strtod(argv[1], nullptr) : 3.0;
  if (!(seconds > 0 && seconds <= 60)) {
    std::fprintf(stderr, "usage: httpgate-forkrate [SECONDS: 0 < S <= 60]\n");
    return 2;
  }
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  constexpr long kMaxForks = 10'000'000;  // a bound besides the time
  long forks = 0;
  while (forks < kMaxForks && (forks % 64 != 0 || Clock::now() < end)) {
    pid_t pid = ::fork();
    if (pid == 0) {
      ::_exit(0);
    }
    if (pid < 0) {
      std::perror("fork");
      return 1;
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
      if (errno != EINTR) {
        std::perror("waitpid");
        return 1;
      }
    }
    ++forks;
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("{\"forks\":%ld,\"seconds\":%.3f,\"forks_per_s\":%.1f,\"us_per_fork\":%.2f}\n", forks,
              elapsed, forks / elapsed, 1e6 * elapsed / forks);
  return 0;
}
