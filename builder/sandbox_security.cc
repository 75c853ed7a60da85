#include "builder/sandbox_security.h"

#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.h"

namespace hoist::builder {

namespace {

constexpr const char* kMaskedPaths[] = {
    "/proc/acpi",       "/proc/asound",    "/proc/kcore",       "/proc/keys",      "/proc/latency_stats",
    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",     "/sys/firmware",
    "/sys/devices/virtual/powercap",
};
constexpr const char* kReadonlyPaths[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};

void mask(const char* path) {
  struct stat st;
  if (::lstat(path, &st) != 0) {
    if (errno == ENOENT) return;
    throw_sys("stat", path);
  }
  if (S_ISDIR(st.st_mode)) {
    if (::mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0") != 0)
      throw_sys("mask", path);
  } else if (::mount("/dev/null", path, nullptr, MS_BIND, nullptr) != 0) {
    throw_sys("mask", path);
  }
}

void make_readonly(const char* path) {
  struct stat st;
  if (::lstat(path, &st) != 0) {
    if (errno == ENOENT) return;
    throw_sys("stat", path);
  }
  if (::mount(path, path, nullptr, MS_BIND | MS_REC, nullptr) != 0) throw_sys("bind", path);
  // A remount may only add restrictions to the flags a user namespace finds locked: keep them.
  if (::mount(nullptr, path, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
    throw_sys("make read-only", path);
}

}  // namespace

void mask_kernel_paths() {
  for (const char* p : kMaskedPaths) mask(p);
  for (const char* p : kReadonlyPaths) make_readonly(p);
}

void drop_capabilities() {
  for (int cap = 0; cap <= 63; ++cap) {
    if (kDefaultCapabilities & (1ULL << cap)) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      if (errno == EINVAL) break;  // past the last capability this kernel knows
      throw_sys("drop capability", std::to_string(cap));
    }
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capget, &header, data) != 0) throw_sys("capget", "sandbox");
  for (int i = 0; i < 2; ++i) {
    auto keep = static_cast<uint32_t>(kDefaultCapabilities >> (32 * i));
    data[i].effective &= keep;
    data[i].permitted &= keep;
    data[i].inheritable &= keep;
  }
  if (::syscall(SYS_capset, &header, data) != 0) throw_sys("capset", "sandbox");
}

}  // namespace hoist::builder
