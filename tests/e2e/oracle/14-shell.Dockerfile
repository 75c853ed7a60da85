# SHELL changes how RUN, CMD and ENTRYPOINT shell forms are wrapped.
# buildah-format: docker
ARG BASE=sample/busybox
FROM $BASE
SHELL ["/bin/busybox", "sh", "-c"]
RUN echo "via busybox sh" > /shell1
SHELL ["/bin/sh", "-ec"]
RUN echo "flags $-" > /shell2
CMD echo via the new shell
