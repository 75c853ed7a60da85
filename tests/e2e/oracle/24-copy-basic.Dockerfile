# COPY: a file to dir/, a directory's contents, a wildcard, several sources
# into dir/, missing parents created, a rename, an empty directory, a
# subdirectory into an existing directory, a wildcard matching files and
# directories (a directory's contents land in the destination), a hardlinked
# pair named as two sources; owners reset to root, modes kept (setuid,
# setgid and sticky bits too).
ARG BASE=sample/busybox
FROM $BASE
COPY a.txt /dst/
COPY dir /dircontents
COPY dir/*.conf /wild/
COPY a.txt exec.sh private.txt /multi/
COPY a.txt /missing/parents/created/a.txt
COPY a.txt /renamed.txt
COPY empty /emptydir
COPY dir/sub /dst/
COPY d?r/s*b /wild-dir/
COPY dir/[rs]* /wild-all/
COPY hl1 hl2 /hardlinks/
COPY modes /modes
