/* Gives each file named on the command line the file capability
 * cap_net_bind_service+ep, as `setcap cap_net_bind_service+ep FILE` does:
 * busybox has no setcap, and the tests need a RUN that writes a
 * security.capability xattr. Built static so it runs in a busybox image. */
#include <stdint.h>
#include <stdio.h>
#include <sys/xattr.h>

int main(int argc, char** argv) {
  /* struct vfs_cap_data, revision 2 (linux/capability.h), little-endian:
   * magic | VFS_CAP_FLAGS_EFFECTIVE, then {permitted, inheritable} for the
   * low and high 32 capabilities. CAP_NET_BIND_SERVICE is 10. */
  const uint32_t cap[5] = {0x02000000u | 0x1u, 1u << 10, 0, 0, 0};
  for (int i = 1; i < argc; i++) {
    if (setxattr(argv[i], "security.capability", cap, sizeof cap, 0) != 0) {
      perror(argv[i]);
      return 1;
    }
  }
  return 0;
}
