# The whole context: .dockerignore patterns (*.log, a directory, **/*.tmp)
# and a ! exception; hardlinks, symlinks and empty directories in it.
ARG BASE=sample/busybox
FROM $BASE
COPY . /ctx
