// snapshot_upper after real RUNs on the busybox base layer: what a step
// changed (created, modified, chmod-ed, chown-ed, deleted, replaced, linked)
// is exactly what its layer holds, deletions as `.wh.` entries; a step that
// changed nothing gives no layer.
#include "builder/snapshot.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>

#include "builder/sandbox.h"
#include "common/fs.h"
#include "oci/store.h"
#include "tests/layer_entries.h"
#include "tests/sandbox_fixture.h"

namespace hoist::builder {
namespace {

using test::read_layer;

using SnapshotTest = test::SandboxFixture;

TEST_F(SnapshotTest, LayerHoldsExactlyWhatTheRunChanged) {
  auto r = run(sh(R"(set -e; b=/bin/busybox
echo new > /new.txt
echo changed >> /etc/motd
$b chmod 600 /etc/group
$b chown 1000:1000 /root
$b rm /usr/bin/suid-tool
$b rm -r /var/empty
$b rm -r /home/app && echo now-a-file > /home/app
$b rm /etc/motd.hardlink && $b mkdir /etc/motd.hardlink && echo in > /etc/motd.hardlink/inner
$b ln -s /etc/motd /motd.link
$b ln /new.txt /new.hardlink
$b mkfifo /fifo
echo x > /suid && $b chmod 4755 /suid
)"));
  ASSERT_TRUE(r.result.ok()) << r.output;

  fs::TempDir root;
  oci::Store store(root.path());
  auto layer = snapshot_upper(upper(), store, layers::LayerOptions{});
  ASSERT_TRUE(layer.has_value());
  ASSERT_TRUE(store.has_blob(layer->digest));
  auto entries = read_layer(store.blob_path(layer->digest));

  std::map<std::string, std::string> got;
  for (const auto& [name, e] : entries) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%o", e.mode);
    std::string d = std::string(1, e.type) + " " + mode + " " + std::to_string(e.uid) + ":" + std::to_string(e.gid);
    if (e.type == 'f' && !name.starts_with(".wh.") && name.find("/.wh.") == std::string::npos) d += " " + e.content;
    if (!e.link.empty()) d += " -> " + e.link;
    got[name] = d;
  }
  // Directories the run only passed through are in the layer as the lower had them.
  std::map<std::string, std::string> want = {
      {"etc", "d 755 0:0"},
      {"etc/group", "f 600 0:0 root:x:0:\napp:x:1000:\n"},
      {"etc/motd", "f 644 0:0 hello from hoist\nchanged\n"},
      {"etc/motd.hardlink", "d 755 0:0"},
      {"etc/motd.hardlink/.wh..wh..opq", "f 644 0:0"},
      {"etc/motd.hardlink/inner", "f 644 0:0 in\n"},
      {"fifo", "p 644 0:0"},
      {"home", "d 755 0:0"},
      {"home/app", "f 644 0:0 now-a-file\n"},
      {"motd.link", "l 777 0:0 -> /etc/motd"},
      {"new.hardlink", "f 644 0:0 new\n"},
      {"new.txt", "h 644 0:0 -> new.hardlink"},
      {"root", "d 755 1000:1000"},
      {"suid", "f 4755 0:0 x\n"},
      {"usr", "d 755 0:0"},
      {"usr/bin", "d 755 0:0"},
      {"usr/bin/.wh.suid-tool", "f 644 0:0"},
      {"var", "d 755 0:0"},
      {"var/.wh.empty", "f 644 0:0"},
  };
  EXPECT_EQ(got, want);
  EXPECT_EQ(layer->entries, want.size());
}

TEST_F(SnapshotTest, RunThatChangesNothingGivesNoLayer) {
  auto r = run(sh("cat /etc/motd /etc/hosts > /dev/null; ls /proc /sys /dev > /dev/null"));
  ASSERT_TRUE(r.result.ok()) << r.output;
  fs::TempDir root;
  oci::Store store(root.path());
  EXPECT_FALSE(snapshot_upper(upper(), store, layers::LayerOptions{}).has_value());
}

}  // namespace
}  // namespace hoist::builder
