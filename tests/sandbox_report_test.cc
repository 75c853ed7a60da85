// The report pipe between the sandbox's processes and hoist: messages survive
// any split of the byte stream, and a truncated stream is an error.
#include "builder/sandbox_report.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "common/error.h"

namespace hoist::builder {
namespace {

std::string sent_bytes() {
  int fds[2];
  EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  send_pid1(fds[1], 4321);
  Mountpoints m;
  m.created = Mountpoints::kEtc | Mountpoints::kHosts;
  m.etc_mode = 0755;
  send_mountpoints(fds[1], m);
  send_mount_stub(fds[1], {MountStub::kCopiedUp, 0750, 1, 2, "/usr"});
  send_mount_stub(fds[1], {MountStub::kCreatedFile, 0, 0, 0, "/usr/" + std::string(kMaxStubPath - 5, 'x')});
  send_error(fds[1], "mount overlay on /x: Invalid argument");
  send_wait_status(fds[1], 127 << 8);
  ::close(fds[1]);
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  return out;
}

TEST(SandboxReport, RoundTripsWhateverTheChunking) {
  std::string bytes = sent_bytes();
  for (size_t chunk : {size_t{1}, size_t{3}, size_t{7}, bytes.size()}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    Report r;
    ReportReader reader;
    int pid_messages = 0;
    for (size_t i = 0; i < bytes.size(); i += chunk)
      pid_messages += reader.feed(std::string_view(bytes).substr(i, chunk), r) ? 1 : 0;
    reader.finish();
    EXPECT_EQ(pid_messages, 1);
    EXPECT_EQ(r.pid1, 4321);
    EXPECT_EQ(r.wait_status, 127 << 8);
    EXPECT_EQ(r.mountpoints.created, Mountpoints::kEtc | Mountpoints::kHosts);
    EXPECT_EQ(r.mountpoints.etc_mode, 0755u);
    ASSERT_EQ(r.mountpoints.stubs.size(), 2u);
    EXPECT_EQ(r.mountpoints.stubs[0].kind, MountStub::kCopiedUp);
    EXPECT_EQ(r.mountpoints.stubs[0].mode, 0750u);
    EXPECT_EQ(r.mountpoints.stubs[0].uid, 1u);
    EXPECT_EQ(r.mountpoints.stubs[0].gid, 2u);
    EXPECT_EQ(r.mountpoints.stubs[0].path, "/usr");
    EXPECT_EQ(r.mountpoints.stubs[1].kind, MountStub::kCreatedFile);
    EXPECT_EQ(r.mountpoints.stubs[1].path.size(), kMaxStubPath) << "the longest path arrives whole";
    EXPECT_EQ(r.error, "mount overlay on /x: Invalid argument");
  }
}

TEST(SandboxReport, AStubPathTooLongForOneMessageIsRefused) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  MountStub s{MountStub::kCreatedDir, 0, 0, 0, "/" + std::string(kMaxStubPath, 'x')};
  EXPECT_THROW(send_mount_stub(fds[1], s), Error);
  ::close(fds[1]);
  char c;
  EXPECT_EQ(::read(fds[0], &c, 1), 0) << "nothing was sent";
  ::close(fds[0]);
}

TEST(SandboxReport, TruncatedStreamIsAnError) {
  std::string bytes = sent_bytes();
  Report r;
  ReportReader reader;
  reader.feed(std::string_view(bytes).substr(0, bytes.size() - 1), r);
  EXPECT_THROW(reader.finish(), Error);
}

}  // namespace
}  // namespace hoist::builder
