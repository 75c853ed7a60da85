// snapshot_upper after real RUNs on the busybox base layer: what a step
// changed (created, modified, chmod-ed, chown-ed, deleted, replaced, linked)
// is exactly what its layer holds, deletions as `.wh.` entries; a step that
// changed nothing gives no layer.
#include "builder/snapshot.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>
#include <stdexcept>

#include "builder/sandbox.h"
#include "common/fs.h"
#include "oci/store.h"
#include "tests/sandbox_fixture.h"

namespace hoist::builder {
namespace {

struct Entry {
  char type = '?';  // f file, h hardlink, d dir, l symlink, p fifo
  unsigned mode = 0;
  int64_t uid = 0, gid = 0;
  std::string content;
  std::string link;
};

std::map<std::string, Entry> read_layer(const std::string& blob_path) {
  std::string bytes = fs::read_file(blob_path);
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  if (archive_read_open_memory(a, bytes.data(), bytes.size()) != ARCHIVE_OK)
    throw std::runtime_error(archive_error_string(a));
  std::map<std::string, Entry> out;
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    Entry x;
    mode_t m = archive_entry_mode(e);
    x.mode = m & 07777;
    x.uid = archive_entry_uid(e);
    x.gid = archive_entry_gid(e);
    if (const char* h = archive_entry_hardlink(e)) {
      x.type = 'h';
      x.link = h;
    } else if (S_ISDIR(m)) {
      x.type = 'd';
    } else if (S_ISLNK(m)) {
      x.type = 'l';
      x.link = archive_entry_symlink(e);
    } else if (S_ISFIFO(m)) {
      x.type = 'p';
    } else if (S_ISREG(m)) {
      x.type = 'f';
      x.content.resize(static_cast<size_t>(archive_entry_size(e)));
      archive_read_data(a, x.content.data(), x.content.size());
    }
    std::string name = archive_entry_pathname(e);
    if (name.ends_with("/")) name.pop_back();
    out[name] = x;
  }
  archive_read_free(a);
  return out;
}

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
