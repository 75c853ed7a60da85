// RUN mounts (SandboxSpec::mounts) against the real kernel, as root on the
// busybox base layer and as an ordinary user in a user namespace: read-only
// and read-write binds of host directories and files, tmpfs, mount points
// made for the run and taken out of the upper afterwards, targets behind
// hostile symlinks, and a cleanup no symlink planted by the run can misdirect.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "builder/cache_mounts.h"
#include "builder/run_mount.h"
#include "builder/sandbox.h"
#include "builder/snapshot.h"
#include "common/error.h"
#include "common/fs.h"
#include "layers/id_map.h"
#include "layers/user_namespace.h"
#include "tests/rootless_fixture.h"
#include "tests/sandbox_fixture.h"
#include "tests/unpack_test_support.h"

namespace hoist::builder {
namespace {

using Kind = SandboxMount::Kind;
using SandboxMountsTest = test::SandboxFixture;

std::set<std::string> names_in(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) throw_sys("open", dir);
  std::vector<std::string> names = fs::sorted_entries(fd.get(), dir);
  return {names.begin(), names.end()};
}

SandboxMount bind_mount(std::string source, std::string target, bool readonly) {
  SandboxMount m;
  m.source = std::move(source);
  m.target = std::move(target);
  m.readonly = readonly;
  return m;
}

SandboxMount tmpfs_mount(std::string target, std::optional<uint64_t> size = std::nullopt,
                         std::optional<uint32_t> mode = std::nullopt, bool readonly = false) {
  SandboxMount m;
  m.kind = Kind::Tmpfs;
  m.target = std::move(target);
  m.size = size;
  m.mode = mode;
  m.readonly = readonly;
  return m;
}

struct stat stat_of(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) throw_sys("stat", path);
  return st;
}

class SandboxMountsRoot : public SandboxMountsTest {
 protected:
  // A host directory holding `f`, for binds.
  std::string host_dir(const std::string& name, const std::string& content = "from host\n") {
    std::string d = step_.path() + "/" + name;
    fs::mkdir_p(d);
    test::write_file(d + "/f", content);
    return d;
  }
};

TEST_F(SandboxMountsRoot, ReadOnlyBindShowsTheHostDirectoryAndRefusesWrites) {
  std::string src = host_dir("context");
  auto s =
      sh("cat /src/f; (echo x > /src/new) 2>/dev/null || echo refused; busybox touch /src/f 2>/dev/null || "
         "echo refused; busybox mkdir /src/d 2>/dev/null || echo refused; busybox grep -c ' /src ' /proc/mounts");
  s.mounts = {bind_mount(src, "/src", true)};
  auto r = run(s);
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(r.output, "from host\nrefused\nrefused\nrefused\n1\n");
  EXPECT_EQ(names_in(src), (std::set<std::string>{"f"}));
  EXPECT_TRUE(upper_is_empty(upper())) << "the mount point /src was made for the run only";
}

TEST_F(SandboxMountsRoot, CacheDirectoryKeepsWhatTheRunWroteOnTheHostAndOutOfTheUpper) {
  CacheMounts caches(step_.path() + "/hoist");
  RunMount m = parse_run_mount("type=cache,target=/home/app/.cache,uid=1000,gid=1000");
  {
    CacheMounts::Lease lease = caches.acquire(m);
    auto s =
        sh("busybox stat -c '%u:%g %a' /home/app/.cache; echo built > /home/app/.cache/obj; "
           "busybox mkdir /home/app/.cache/sub && ls -a /home/app");
    s.mounts = {bind_mount(lease.path(), m.target, m.readonly)};
    auto r = run(s);
    ASSERT_TRUE(r.result.ok()) << r.output;
    EXPECT_EQ(r.output, "1000:1000 755\n.\n..\n.cache\nnotes.txt\n");
    EXPECT_EQ(fs::read_file(lease.path() + "/obj"), "built\n");
    EXPECT_TRUE(upper_is_empty(upper()))
        << "/home and /home/app (owned by 1000) were copied up only for the mount point: they go with it";
  }
  CacheMounts::Lease again = caches.acquire(m);
  auto s = sh("cat /home/app/.cache/obj");
  s.mounts = {bind_mount(again.path(), m.target, m.readonly)};
  auto r = run(s);
  EXPECT_EQ(r.output, "built\n") << "the next RUN finds it";
  EXPECT_TRUE(upper_is_empty(upper()));
}

TEST_F(SandboxMountsRoot, TmpfsWritesVanishAndItsSizeAndModeApply) {
  auto s =
      sh("echo x > /tmp/scratch/f && cat /tmp/scratch/f; busybox stat -c '%a' /tmp/scratch;"
         "busybox dd if=/dev/zero of=/tmp/scratch/big bs=1024 count=2048 2>/dev/null || echo full;"
         "busybox stat -f -c %T /tmp/scratch; busybox stat -c %a /ro; busybox touch /ro/x 2>/dev/null || echo ro");
  s.mounts = {tmpfs_mount("/tmp/scratch", 1 << 20), tmpfs_mount("/ro", std::nullopt, 0700, true)};
  auto r = run(s);
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(r.output, "x\n1777\nfull\ntmpfs\n700\nro\n");
  EXPECT_TRUE(upper_is_empty(upper()));
}

TEST_F(SandboxMountsRoot, MissingParentsAreMadeAndTakenOutWhileTheRunsOwnFilesStay) {
  std::string src = host_dir("src");
  auto s = sh("cat /opt/deep/er/mnt/f; busybox stat -c %a /opt/deep; echo mine > /opt/mine; echo v > /var/new");
  s.mounts = {bind_mount(src, "/opt/deep/er/mnt", true)};
  auto r = run(s);
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(r.output, "from host\n755\n");
  EXPECT_EQ(names_in(upper()), (std::set<std::string>{"opt", "var"}));
  EXPECT_EQ(names_in(upper() + "/opt"), (std::set<std::string>{"mine"}));
  EXPECT_EQ(names_in(upper() + "/var"), (std::set<std::string>{"new"}));
}

TEST_F(SandboxMountsRoot, ACopiedUpDirectoryTheRunChangedStays) {
  std::string src = host_dir("src");
  auto s = sh("busybox chmod 700 /home/app");
  s.mounts = {bind_mount(src, "/home/app/m", true)};
  auto r = run(s);
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(names_in(upper()), (std::set<std::string>{"home"}));
  EXPECT_EQ(names_in(upper() + "/home"), (std::set<std::string>{"app"}));
  EXPECT_EQ(names_in(upper() + "/home/app"), (std::set<std::string>{})) << "the mount point went";
  EXPECT_EQ(stat_of(upper() + "/home/app").st_mode & 07777, 0700u);
}

TEST_F(SandboxMountsRoot, ASymlinkInTheImageCannotSendAMountOutOfTheRoot) {
  std::string src = host_dir("src", "inside\n");
  std::string outside = step_.path() + "/outside";  // what the links name, on the host
  fs::mkdir_p(outside);
  std::string top = step_.path() + "/evil-layer";
  fs::mkdir_p(top);
  ASSERT_EQ(::symlink(("/../../.." + outside).c_str(), (top + "/escape").c_str()), 0);
  ASSERT_EQ(::symlink(("../../../../../../../../.." + outside).c_str(), (top + "/rel-escape").c_str()), 0);
  auto s = sh("cat /escape/m/f /rel-escape/n/f; ls " + outside);
  s.layers.lowers.insert(s.layers.lowers.begin(), top);
  s.mounts = {bind_mount(src, "/escape/m", true), bind_mount(src, "/rel-escape/n", true)};
  auto r = run(s);
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(r.output, "inside\ninside\nm\nn\n") << "both landed at " << outside << " inside the rootfs";
  EXPECT_TRUE(fs::is_empty_dir(outside)) << "nothing was made on the host";
  EXPECT_TRUE(upper_is_empty(upper()));
}

TEST_F(SandboxMountsRoot, AFileBindsLikeASecret) {
  std::string secret = step_.path() + "/secret";
  test::write_file(secret, "s3cret");
  ASSERT_EQ(::chmod(secret.c_str(), 0400), 0);
  auto s =
      sh("cat /run/secrets/x; echo; busybox stat -c '%a %s' /run/secrets/x; ls /run/secrets;"
         "(echo y > /run/secrets/x) 2>/dev/null || echo refused");
  s.mounts = {bind_mount(secret, "/run/secrets/x", true)};
  auto r = run(s);
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(r.output, "s3cret\n400 6\nx\nrefused\n");
  EXPECT_EQ(fs::read_file(secret), "s3cret");
  EXPECT_TRUE(upper_is_empty(upper())) << "/run, /run/secrets and the file under the mount all go";
}

TEST_F(SandboxMountsRoot, AFileBindsOverAFileOfTheImage) {
  std::string file = step_.path() + "/motd";
  test::write_file(file, "mounted\n");
  auto s = sh("cat /etc/motd");
  s.mounts = {bind_mount(file, "/etc/motd", true)};
  auto r = run(s);
  EXPECT_EQ(r.output, "mounted\n");
  EXPECT_TRUE(upper_is_empty(upper()));
}

TEST_F(SandboxMountsRoot, NestedMountsGoParentsFirstWhateverTheOrderGiven) {
  std::string src = host_dir("src", "inner\n");
  auto s = sh("cat /data/in/f; echo w > /data/w && echo tmpfs-writable");
  s.mounts = {bind_mount(src, "/data/in", true), tmpfs_mount("/data")};
  auto r = run(s);
  ASSERT_TRUE(r.result.ok()) << r.output;
  EXPECT_EQ(r.output, "inner\ntmpfs-writable\n");
  EXPECT_TRUE(upper_is_empty(upper()));
  EXPECT_EQ(names_in(src), (std::set<std::string>{"f"}));
}

TEST_F(SandboxMountsRoot, WorkdirInsideAMount) {
  std::string src = host_dir("src");
  auto s = sh("busybox pwd; cat f");
  s.workdir = "/src";
  s.mounts = {bind_mount(src, "/src", true)};
  auto r = run(s);
  EXPECT_EQ(r.output, "/src\nfrom host\n");
  EXPECT_TRUE(upper_is_empty(upper()));
}

TEST_F(SandboxMountsRoot, BadMountsFailWithOneLineAndLeaveNothing) {
  std::string src = host_dir("src");
  std::string file = src + "/f";
  std::string top = step_.path() + "/loop-layer";
  fs::mkdir_p(top);
  ASSERT_EQ(::symlink("/loop", (top + "/loop").c_str()), 0);
  struct Case {
    SandboxMount mount;
    std::string error;
  } cases[] = {
      {bind_mount(src, "rel", true), "RUN mount on rel: mount target is not an absolute path: rel"},
      {bind_mount(src, "/..", true), "RUN mount on /..: cannot mount over the root: /.."},
      {bind_mount("", "/x", true), "RUN mount on /x: bind mount on /x has no source"},
      {bind_mount("src", "/x", true), "RUN mount on /x: bind source is not an absolute path: src"},
      {bind_mount(step_.path() + "/nope", "/x", true),
       "RUN mount on /x: clone mount of " + step_.path() + "/nope: No such file or directory"},
      {bind_mount(file, "/etc", true), "RUN mount on /etc: /etc is a directory, and the source a file"},
      {bind_mount(src, "/etc/motd", true), "RUN mount on /etc/motd: /etc/motd is not a directory"},
      {bind_mount(src, "/etc/motd/x/y", true), "RUN mount on /etc/motd/x/y: /etc/motd is not a directory"},
      {bind_mount(src, "/loop/x", true), "RUN mount on /loop/x: resolve /loop/x: Too many levels of symbolic links"},
  };
  for (const auto& c : cases) {
    auto s = sh("echo never");
    s.layers.lowers.insert(s.layers.lowers.begin(), top);
    s.mounts = {c.mount};
    EXPECT_EQ(error_of(s), c.error);
    EXPECT_TRUE(upper_is_empty(upper())) << c.error;
  }
}

TEST_F(SandboxMountsRoot, CleanupNeverFollowsASymlinkTheRunPutInPlace) {
  // Where the run's symlinks point on the host: things a cleanup that
  // followed them would remove.
  std::string victim = step_.path() + "/victim";
  fs::mkdir_p(victim + "/m");
  test::write_file(victim + "/hosts", "keep\n");
  std::string src = host_dir("src");
  auto s = sh("set -e; b=busybox; $b umount /opt/m; $b rm -rf /opt; $b ln -s " + victim +
              " /opt; $b umount /etc/hosts /etc/resolv.conf /etc/hostname; $b rm -rf /etc; $b ln -s " + victim +
              " /etc; echo swapped");
  s.mounts = {bind_mount(src, "/opt/m", true)};
  auto r = run(s);
  // Without CAP_SYS_ADMIN (docker's default set) the run cannot even unmount;
  // RemoveMountpoints.SymlinksTheRunLeftAreNeverFollowed covers the cleanup
  // for an upper that holds such symlinks all the same.
  EXPECT_FALSE(r.result.ok()) << r.output;
  EXPECT_NE(r.output.find("umount"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(victim + "/m"));
  EXPECT_EQ(fs::read_file(victim + "/hosts"), "keep\n");
}

// As an ordinary user: hoist's user namespace maps the user to 0 and its
// /etc/subuid range to 1..; the base layer's /home/app belongs to 1000.
using SandboxMountsRootless = test::RootlessFixture;

TEST_F(SandboxMountsRootless, EveryKindWorksAndLeavesNothingInTheUpper) {
  std::string dir = dir_.path();
  test::TestUser user = test::add_user(dir, test::kRangedUser, true);
  home_for(user);
  test::BaseLayer base = test::make_base(dir, false);
  for (const char* d : {"/src", "/cache"}) {
    fs::mkdir_p(dir + d);
    ASSERT_EQ(::chown((dir + d).c_str(), user.uid, user.gid), 0);
  }
  test::write_file(dir + "/src/f", "ro\n");
  test::write_file(dir + "/secret", "s3cret");
  ASSERT_EQ(::chown((dir + "/secret").c_str(), user.uid, user.gid), 0);
  ASSERT_EQ(::chmod((dir + "/secret").c_str(), 0400), 0);

  std::string out = test::as_user(user, dir, [&] {
    std::string root = std::getenv("HOIST_ROOT");
    SandboxSpec s;
    s.layers = {{test::unpack(base)}, root + "/step/upper", root + "/step/work"};
    s.rootfs = root + "/step/rootfs";
    for (const auto& d : {s.layers.upper, s.layers.work, s.rootfs}) fs::mkdir_p(d);
    // A cache owned by the RUN's user 1000, as the namespace sees it.
    CacheMounts caches(root);
    RunMount npm = parse_run_mount("type=cache,target=/home/app/.npm,uid=1000,gid=1000,mode=0700");
    CacheMounts::Lease lease = caches.acquire(npm);
    s.argv = {"/bin/sh", "-c",
              "cat /src/f; (echo x > /src/new) 2>/dev/null || echo ro-refused;"
              "echo c > /home/app/.cache/c && echo cache-ok; /bin/busybox stat -c '%u:%g %a' /home/app/.npm;"
              "echo n > /home/app/.npm/n && /bin/busybox chown 1000:1000 /home/app/.npm/n;"
              "cat /run/secrets/x; echo; echo t > /scratch/t && cat /scratch/t"};
    s.env = {"PATH=/bin:/usr/bin"};
    s.mounts = {bind_mount(dir + "/src", "/src", true), bind_mount(dir + "/cache", "/home/app/.cache", false),
                bind_mount(lease.path(), npm.target, false), bind_mount(dir + "/secret", "/run/secrets/x", true),
                tmpfs_mount("/scratch")};
    std::string output;
    s.output = [&](std::string_view chunk) { output.append(chunk); };
    SandboxResult r = run_sandboxed(s);
    if (!r.ok()) throw Error("RUN failed: " + output);
    struct stat st = stat_of(lease.path());
    return output + "upper empty: " + (upper_is_empty(s.layers.upper) ? "yes" : "no") +
           "\nnpm on disk: " + std::to_string(st.st_uid) + " " + std::to_string(st.st_mode & 07777) + "\n";
  });
  EXPECT_EQ(out, "ro\nro-refused\ncache-ok\n1000:1000 700\ns3cret\nt\nupper empty: yes\nnpm on disk: " +
                     std::to_string(300000 + 999) + " 448\n");
  EXPECT_EQ(fs::read_file(dir + "/cache/c"), "c\n") << "the read-write bind wrote to the host";
  EXPECT_FALSE(fs::exists(dir + "/src/new"));
}

TEST_F(SandboxMountsRootless, PrivateCacheCopyIsRemovedWithWhatTheRunsUsersLeftInIt) {
  std::string dir = dir_.path();
  test::TestUser user = test::add_user(dir, test::kRangedUser, true);
  home_for(user);
  std::string out = test::as_user(user, dir, [&] {
    std::string root = std::getenv("HOIST_ROOT");
    CacheMounts caches(root);
    RunMount m = parse_run_mount("type=cache,target=/c,sharing=private,uid=1000");
    CacheMounts::Lease held = caches.acquire(m);
    CacheMounts::Lease copy = caches.acquire(m);
    if (!copy.temporary()) throw Error("not a private copy");
    // What a RUN as user 1000 leaves: a directory only 1000 may write into.
    std::string p = copy.path();
    layers::run_in_user_namespace(layers::current_user_id_map(), [&] {
      fs::mkdir_p(p + "/d", 0755);
      test::write_file(p + "/d/f", "x");
      if (::chown((p + "/d/f").c_str(), 1000, 1000) != 0 || ::chown((p + "/d").c_str(), 1000, 1000) != 0)
        throw_sys("chown", p);
      return std::string();
    });
    copy.release();
    return std::string(fs::exists(p) ? "left" : "removed");
  });
  EXPECT_EQ(out, "removed");
}

}  // namespace
}  // namespace hoist::builder
