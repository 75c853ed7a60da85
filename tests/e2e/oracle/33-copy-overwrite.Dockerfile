# COPY over what is there: a file over a file, over a symlink to a file, a
# directory merged into an existing one, a file into a directory of the base.
ARG BASE=sample/busybox
FROM $BASE
RUN busybox mkdir -p /t/dir && echo old > /t/file && echo target > /t/target && busybox ln -s target /t/lnk \
 && echo keep > /t/dir/keep && echo old > /t/dir/x.conf && busybox chmod 0700 /t/dir
COPY a.txt /t/file
COPY a.txt /t/lnk
COPY dir /t/dir
COPY a.txt /etc/
