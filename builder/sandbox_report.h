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
#include <vector>

namespace hoist::builder {

// A path the sandbox made in the rootfs for a RUN mount (its mount point,
// or a directory on the way to it), or a directory of the image that such a
// creation copied up into the upper directory. Reported before it is made,
// so that hoist cleans up even after a failure half-way.
struct MountStub {
  enum Kind : uint32_t { kCreatedDir = 1, kCreatedFile = 2, kCopiedUp = 3 };
  uint32_t kind = kCreatedDir;
  // kCopiedUp: the directory as it was, its ids as the sandbox sees them
  // (rootless: ids of hoist's user namespace).
  uint32_t mode = 0, uid = 0, gid = 0;
  std::string path;  // absolute in the rootfs, no symlink in it
};

// The longest MountStub path one report message carries.
inline constexpr size_t kMaxStubPath = 4000;

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
  std::vector<MountStub> stubs;  // in the order they were made
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
void send_mountpoints(int fd, const Mountpoints& m);  // all but the stubs
// Throws hoist::Error for a path longer than kMaxStubPath.
void send_mount_stub(int fd, const MountStub& s);
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
