# ENTRYPOINT drops the CMD inherited from the base image.
ARG BASE=sample/busybox
FROM $BASE
ENTRYPOINT ["/bin/echo", "entry"]
