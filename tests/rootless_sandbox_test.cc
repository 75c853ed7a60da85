// A RUN as an ordinary user, end to end: the test (root) makes two throwaway
// users, one with /etc/subuid and /etc/subgid ranges and one without, and as
// each of them unpacks a busybox base layer through the LayerCache, runs the
// sandbox on it and snapshots the upper. The layer must record the owners the
// RUN gave (0, 1000), not the host ids they are stored under; whiteouts must
// survive; and nothing may stay mounted or running.
#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <set>
#include <stdexcept>

#include "builder/sandbox.h"
#include "builder/snapshot.h"
#include "common/error.h"
#include "common/fs.h"
#include "layers/layer_writer.h"
#include "oci/store.h"
#include "tests/layer_entries.h"
#include "tests/rootless_fixture.h"

namespace hoist::builder {
namespace {

using test::add_user;
using test::as_user;
using test::BaseLayer;
using test::kRangedUser;
using test::kSingleIdUser;
using test::make_base;
using test::TestUser;
using test::unpack;
using RootlessSandboxTest = test::RootlessFixture;

// Runs `script` on `lower` in a fresh step directory and snapshots it into
// the store; returns "<blob path>\n<output>".
std::string run_and_snapshot(const std::string& lower, const std::string& script) {
  std::string root = std::getenv("HOIST_ROOT");
  std::string step = root + "/step";
  SandboxSpec s;
  s.layers = {{lower}, step + "/upper", step + "/work"};
  s.rootfs = step + "/rootfs";
  for (const auto& d : {s.layers.upper, s.layers.work, s.rootfs}) fs::mkdir_p(d);
  s.argv = {"/bin/sh", "-c", script};
  s.env = {"PATH=/bin:/usr/bin"};
  std::string output;
  s.output = [&](std::string_view chunk) { output.append(chunk); };
  SandboxResult r = run_sandboxed(s);
  if (!r.ok()) throw Error("RUN failed (exit " + std::to_string(r.exit_code) + "): " + output);
  oci::Store store(root);
  auto layer = snapshot_upper(s.layers.upper, store, layers::LayerOptions{});
  if (!layer) throw Error("the RUN left no layer");
  return store.blob_path(layer->digest) + "\n" + output;
}

TEST_F(RootlessSandboxTest, LayerRecordsTheOwnersGivenInsideAndTheWhiteouts) {
  std::string dir = dir_.path();
  TestUser user = add_user(dir, kRangedUser, true);
  home_for(user);
  BaseLayer base = make_base(dir, false);
  std::string out = as_user(user, dir, [&] {
    return run_and_snapshot(unpack(base), R"(set -e; b=/bin/busybox
$b stat -c '%u:%g %n' /home/app/notes.txt /etc/motd
echo pid $$; echo hi > /dev/null; $b touch /sys/x 2>/dev/null || echo sys-ro; $b test -d /sys/class/net && echo sys
echo root > /by-root
echo app > /by-app && $b chown 1000:1000 /by-app
$b mkdir /app-dir && $b chown 1000:1000 /app-dir && echo in > /app-dir/f && $b chown 1000:1000 /app-dir/f
$b rm /etc/motd.hardlink
$b rm -r /var/empty
$b rm -r /home/app && $b mkdir /home/app && echo n > /home/app/new
)");
  });
  std::string blob = out.substr(0, out.find('\n'));
  EXPECT_EQ(out.substr(out.find('\n') + 1), "1000:1000 /home/app/notes.txt\n0:0 /etc/motd\npid 1\nsys-ro\nsys\n")
      << "the lower keeps its owners when unpacked rootless; /proc, /dev and a read-only /sys are there";

  auto entries = test::read_layer(blob);
  std::map<std::string, std::string> got;
  for (const auto& [name, e] : entries)
    got[name] = std::string(1, e.type) + " " + std::to_string(e.uid) + ":" + std::to_string(e.gid);
  std::map<std::string, std::string> want = {
      {"app-dir", "d 1000:1000"},
      {"app-dir/f", "f 1000:1000"},
      {"by-app", "f 1000:1000"},
      {"by-root", "f 0:0"},
      {"etc", "d 0:0"},
      {"etc/.wh.motd.hardlink", "f 0:0"},
      {"home", "d 0:0"},
      {"home/app", "d 0:0"},
      {"home/app/.wh..wh..opq", "f 0:0"},
      {"home/app/new", "f 0:0"},
      {"var", "d 0:0"},
      {"var/.wh.empty", "f 0:0"},
  };
  EXPECT_EQ(got, want);
}

TEST_F(RootlessSandboxTest, SingleIdUserRunsAsRootAndOtherIdsFailInsideTheCommand) {
  std::string dir = dir_.path();
  TestUser user = add_user(dir, kSingleIdUser, false);
  home_for(user);
  BaseLayer base = make_base(dir, true);
  std::string out = as_user(user, dir, [&] {
    return run_and_snapshot(unpack(base),
                            "echo hi > /x; echo y > /y; /bin/busybox chown 1000 /y 2>&1 || echo chown-refused");
  });
  std::string blob = out.substr(0, out.find('\n'));
  EXPECT_EQ(out.substr(out.find('\n') + 1), "chown: /y: Invalid argument\nchown-refused\n");
  auto entries = test::read_layer(blob);
  ASSERT_EQ(entries.count("x"), 1u);
  EXPECT_EQ(entries["x"].content, "hi\n");
  EXPECT_EQ(entries["x"].uid, 0);
  EXPECT_EQ(entries["x"].gid, 0);
  EXPECT_EQ(entries["y"].uid, 0);
}

TEST_F(RootlessSandboxTest, SingleIdUserCannotUnpackALayerWithOtherOwners) {
  std::string dir = dir_.path();
  TestUser user = add_user(dir, kSingleIdUser, false);
  home_for(user);
  BaseLayer base = make_base(dir, false);  // home/app is 1000:1000
  std::string error;
  try {
    as_user(user, dir, [&] { return unpack(base); });
  } catch (const std::runtime_error& e) {
    error = e.what();
  }
  std::string start = "caching layer " + base.diff_id.str() + ": unpacking layer " + base.desc.digest.str() +
                      ": unpacking entry \"home/app/notes.txt\": chown 1000:1000 ";
  std::string end = "/home/app/notes.txt: Invalid argument (the user namespace has only id 0: " +
                    std::string(kSingleIdUser) +
                    " has no range in /etc/subuid or /etc/subgid for the layer's other owners)";
  EXPECT_TRUE(error.starts_with(start) && error.ends_with(end)) << error;
  std::set<std::string> left;
  DIR* d = ::opendir((dir + "/hoist/layers").c_str());
  ASSERT_NE(d, nullptr);
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.' || std::string(e->d_name).starts_with(".tmp")) left.insert(e->d_name);
  ::closedir(d);
  EXPECT_EQ(left, (std::set<std::string>{std::string(base.diff_id.hex()) + ".lock"}))
      << "the half-unpacked layer is removed";
}

}  // namespace
}  // namespace hoist::builder
