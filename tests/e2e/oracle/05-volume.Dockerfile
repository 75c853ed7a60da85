# VOLUME: plain, JSON array, several on a line; a RUN writing into a volume
# after the VOLUME.
ARG BASE=sample/busybox
FROM $BASE
RUN busybox mkdir -p /data && echo before > /data/before
VOLUME /data
VOLUME ["/json/a", "/json/b"]
VOLUME /plain/x /plain/y
RUN echo after > /data/after
