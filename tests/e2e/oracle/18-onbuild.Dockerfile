# ONBUILD records triggers in the config and runs nothing now. buildah keeps
# ONBUILD only in docker format.
# buildah-format: docker
ARG BASE=sample/busybox
FROM $BASE
ONBUILD RUN echo triggered > /triggered
ONBUILD COPY a.txt /onbuild-copied
RUN echo "not triggered here" > /not-triggered
