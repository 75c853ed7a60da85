# USER by uid:gid, by a uid alone, and by a uid the image does not know.
ARG BASE=sample/busybox
FROM $BASE
USER 1000:1000
RUN busybox mkdir /tmp/u && id > /tmp/u/id
USER 4321:4322
RUN id > /tmp/unknown.id && echo x > /tmp/unknown.file
USER 1000
RUN id > /tmp/uid-only.id
USER 1000:0
