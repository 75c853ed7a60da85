# COPY --chown by name, by ids, user alone, uid alone, mixed; --chmod in
# octal on a file and a directory, and both together.
ARG BASE=sample/busybox
FROM $BASE
RUN busybox mkdir /o
COPY --chown=app:app a.txt /o/name
COPY --chown=1000:1000 dir /o/ids
COPY --chown=app private.txt /o/user-only
COPY --chown=4321 a.txt /o/uid-only
COPY --chown=app:0 a.txt /o/mixed
COPY --chmod=0640 a.txt /o/chmod-file
COPY --chmod=755 dir /o/chmod-dir
COPY --chown=1000:1000 --chmod=0600 exec.sh /o/both
