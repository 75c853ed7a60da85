#pragma once
// What a chroot RUN needs in its rootfs besides the image, made from the
// outside before the command starts and taken out after it ended, so that
// the rootfs is left as the RUN alone made it. With a mount namespace these
// are only the mount points missing from the image (/proc, /dev, /sys, the
// /etc files; what is mounted on them lives and dies with the namespace).
// Without one, in a plain chroot, they are the things themselves: device
// nodes in /dev (mknod, as root may) and /etc/resolv.conf, /etc/hosts and
// /etc/hostname with their content, each only where the image has none (an
// image's own file cannot be covered without a mount, so the RUN sees it).
//
// A directory that an entry was made in gets its times back when the RUN
// did not change it meanwhile, so making and removing a mount point is no
// change to a tree compared before and after the run (tree_diff.h). Nothing
// is followed: an image whose /etc or /dev is a symlink gets none there.
#include <sys/stat.h>

#include <string>
#include <vector>

#include "common/fd.h"

namespace hoist::builder {

class ChrootExtras {
 public:
  enum class Kind { MountPoints, Files };

  // Makes what is missing in `rootfs`; `etc_dir` holds the /etc files
  // (write_etc_files()) that Kind::Files copies. Throws hoist::Error naming the path.
  ChrootExtras(const std::string& rootfs, Kind kind, const std::string& etc_dir);
  // Restores, ignoring errors, when restore() was not called.
  ~ChrootExtras();
  ChrootExtras(const ChrootExtras&) = delete;
  ChrootExtras& operator=(const ChrootExtras&) = delete;

  // Removes what was made: files and nodes whatever the RUN did to them (as
  // a mount would have kept the RUN's writes out of the image), /proc,
  // /sys and /etc only when empty, a /dev made here with everything in it.
  // Throws hoist::Error naming the path.
  void restore();

 private:
  struct Made {
    std::string parent;  // relative to the rootfs: "", "dev" or "etc"
    std::string name;
    bool dir;
    bool keep_content;  // a directory removed only when empty
  };
  struct Parent {
    std::string rel;
    struct stat before, after;  // before anything was made in it; after all was
  };

  UniqueFd open_rel(const std::string& rel) const;
  bool ensure_dir(const std::string& parent, const std::string& name, bool keep_content);
  void make_files(const std::string& etc_dir, Kind kind);
  void make_devices();
  void note_parent(const std::string& rel);

  std::string rootfs_;
  UniqueFd root_;
  std::vector<Made> made_;
  std::vector<Parent> parents_;
  bool restored_ = false;
};

}  // namespace hoist::builder
