# COPY through symlinks in the destination path: absolute, relative, and one
# with more .. than the path is deep, all resolved inside the image's root;
# a symlink to a directory as the whole destination, for a file and a directory.
ARG BASE=sample/busybox
FROM $BASE
RUN busybox mkdir -p /real/inner && busybox ln -s /real /abslink && busybox ln -s ../../../../../real /toofar \
 && busybox ln -s inner /real/rel
COPY a.txt /abslink/via-abs.txt
COPY a.txt /toofar/via-escape.txt
COPY a.txt /real/rel/via-rel.txt
COPY dir /abslink/dircopy
COPY exec.sh /abslink
COPY dir/sub /real/rel
