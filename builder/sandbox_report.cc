#include "builder/sandbox_report.h"

#include <limits.h>
#include <unistd.h>

#include <cstring>

#include "common/error.h"

namespace hoist::builder {

namespace {

enum Kind : uint8_t { kPid1 = 'P', kStatus = 'S', kMountpoints = 'M', kStub = 'T', kError = 'X' };

// The fixed part of the Mountpoints and MountStub messages.
struct MountpointsWire {
  uint32_t created, etc_mode, etc_uid, etc_gid;
};
struct StubWire {
  uint32_t kind, mode, uid, gid;
};

struct Header {
  uint8_t kind;
  uint8_t pad[3];
  uint32_t size;
};

void send(int fd, Kind kind, const void* payload, size_t size) {
  char buf[PIPE_BUF];
  if (size > sizeof buf - sizeof(Header)) size = sizeof buf - sizeof(Header);
  Header h{kind, {0, 0, 0}, static_cast<uint32_t>(size)};
  std::memcpy(buf, &h, sizeof h);
  std::memcpy(buf + sizeof h, payload, size);
  // Nothing useful can be done if hoist stopped listening: the process is going away.
  while (::write(fd, buf, sizeof h + size) < 0 && errno == EINTR) {
  }
}

}  // namespace

void send_pid1(int fd, pid_t pid) {
  int32_t v = pid;
  send(fd, kPid1, &v, sizeof v);
}

void send_wait_status(int fd, int status) {
  int32_t v = status;
  send(fd, kStatus, &v, sizeof v);
}

void send_mountpoints(int fd, const Mountpoints& m) {
  MountpointsWire w{m.created, m.etc_mode, m.etc_uid, m.etc_gid};
  send(fd, kMountpoints, &w, sizeof w);
}

void send_mount_stub(int fd, const MountStub& s) {
  static_assert(sizeof(Header) + sizeof(StubWire) + kMaxStubPath <= PIPE_BUF);
  // Cut short, the path would name something else: what cannot be reported is not made.
  if (s.path.size() > kMaxStubPath) throw Error("mount point path too long: " + s.path.substr(0, 64) + "...");
  char buf[sizeof(StubWire) + kMaxStubPath];
  StubWire w{s.kind, s.mode, s.uid, s.gid};
  std::memcpy(buf, &w, sizeof w);
  std::memcpy(buf + sizeof w, s.path.data(), s.path.size());
  send(fd, kStub, buf, sizeof w + s.path.size());
}

void send_error(int fd, std::string_view message) { send(fd, kError, message.data(), message.size()); }

bool ReportReader::feed(std::string_view bytes, Report& report) {
  pending_.append(bytes);
  bool got_pid = false;
  while (pending_.size() >= sizeof(Header)) {
    Header h;
    std::memcpy(&h, pending_.data(), sizeof h);
    if (pending_.size() < sizeof h + h.size) break;
    std::string_view body(pending_.data() + sizeof h, h.size);
    auto int_body = [&] {
      if (body.size() != sizeof(int32_t)) throw Error("sandbox report: malformed message");
      int32_t v;
      std::memcpy(&v, body.data(), sizeof v);
      return v;
    };
    switch (h.kind) {
      case kPid1:
        report.pid1 = int_body();
        got_pid = true;
        break;
      case kStatus:
        report.wait_status = int_body();
        break;
      case kMountpoints: {
        if (body.size() != sizeof(MountpointsWire)) throw Error("sandbox report: malformed message");
        MountpointsWire w;
        std::memcpy(&w, body.data(), sizeof w);
        report.mountpoints.created = w.created;
        report.mountpoints.etc_mode = w.etc_mode;
        report.mountpoints.etc_uid = w.etc_uid;
        report.mountpoints.etc_gid = w.etc_gid;
        break;
      }
      case kStub: {
        if (body.size() < sizeof(StubWire)) throw Error("sandbox report: malformed message");
        StubWire w;
        std::memcpy(&w, body.data(), sizeof w);
        report.mountpoints.stubs.push_back({w.kind, w.mode, w.uid, w.gid, std::string(body.substr(sizeof w))});
        break;
      }
      case kError:
        report.error = body;
        break;
      default:
        throw Error("sandbox report: unknown message");
    }
    pending_.erase(0, sizeof h + h.size);
  }
  return got_pid;
}

void ReportReader::finish() const {
  if (!pending_.empty()) throw Error("sandbox report: truncated message");
}

}  // namespace hoist::builder
