# RUN making symlinks (absolute, relative, dangling), a hardlink, a FIFO,
# setuid/setgid files and a sticky directory; clearing a lower file's setuid
# bit, a hardlink to a file of a lower layer. (No device node: buildah's
# chroot isolation may not mknod.)
ARG BASE=sample/busybox
FROM $BASE
RUN busybox ln -s /etc/passwd /abs-link && busybox ln -s ../etc/group /tmp/rel-link && busybox ln -s /nowhere /dangling \
 && echo data > /orig && busybox ln /orig /orig.hard && busybox mkfifo /fifo && busybox chmod 0640 /fifo \
 && printf '#!/bin/sh\necho hi\n' > /suid && busybox chmod 4755 /suid \
 && cp /suid /sgid && busybox chmod 2750 /sgid && busybox chown 0:1000 /sgid \
 && busybox mkdir /sticky && busybox chmod 1777 /sticky
RUN busybox chmod 0755 /usr/bin/suid-tool && busybox ln -s busybox /bin/mkdir && busybox ln /etc/group /group.hard
