# HEALTHCHECK NONE turns off the one inherited.
# buildah-format: docker
ARG BASE=sample/busybox
FROM $BASE AS checked
HEALTHCHECK --interval=1m CMD echo inherited
FROM checked
HEALTHCHECK NONE
