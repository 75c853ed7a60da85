#include "builder/sandbox_report.h"

#include <limits.h>
#include <unistd.h>

#include <cstring>

#include "common/error.h"

namespace hoist::builder {

namespace {

enum Kind : uint8_t { kPid1 = 'P', kStatus = 'S', kMountpoints = 'M', kError = 'X' };

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

void send_mountpoints(int fd, const Mountpoints& m) { send(fd, kMountpoints, &m, sizeof m); }

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
      case kMountpoints:
        if (body.size() != sizeof(Mountpoints)) throw Error("sandbox report: malformed message");
        std::memcpy(&report.mountpoints, body.data(), sizeof(Mountpoints));
        break;
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
