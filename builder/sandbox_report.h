#pragma once
// What the sandbox's helper processes tell hoist through one close-on-exec
// pipe: the PID 1 to stop on interrupt, the mount points they had to create
// in the rootfs, the wait status, or the error that prevented the exec. The
// pipe reaching end-of-file with no error means the exec happened.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hoist::builder {

// Mount points the sandbox created in the rootfs (so in the upper
// directory), and the state of /etc before it touched it.
struct Mountpoints {
  enum : uint32_t {
    kEtc = 1,
    kResolvConf = 2,
    kHosts = 4,
    kHostname = 8,
    kDev = 16,
    kProc = 32,
    kSys = 64,
  };
  uint32_t created = 0;
  uint32_t etc_mode = 0;  // of an /etc that existed
  uint32_t etc_uid = 0;
  uint32_t etc_gid = 0;
};

struct Report {
  std::optional<pid_t> pid1;  // host PID of the sandbox's PID 1
  std::optional<int> wait_status;
  Mountpoints mountpoints;
  std::string error;  // set when the process could not be started
};

// Sender side, used in the forked helpers: each message is one write() of
// less than PIPE_BUF bytes, so messages of two processes never interleave.
// Async-signal-safe apart from building the error text.
void send_pid1(int fd, pid_t pid);
void send_wait_status(int fd, int status);
void send_mountpoints(int fd, const Mountpoints& m);
void send_error(int fd, std::string_view message);

// Receiver side: feed bytes as they arrive; complete messages update `report`.
class ReportReader {
 public:
  // Returns true when this chunk completed a pid1 message.
  bool feed(std::string_view bytes, Report& report);
  // Throws hoist::Error when the stream ended inside a message.
  void finish() const;

 private:
  std::string pending_;
};

}  // namespace hoist::builder
