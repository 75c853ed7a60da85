# WORKDIR: relative to / at first, absolute, relative (to the one before),
# with an ENV variable, with .. and . and a trailing slash; RUN
# starts there and WorkingDir records the last one.
ARG BASE=sample/busybox
FROM $BASE
ENV BASEDIR=/srv
WORKDIR first-relative
RUN pwd > here
WORKDIR /abs
WORKDIR rel/deeper
RUN pwd > here
WORKDIR $BASEDIR/app
RUN pwd > here
WORKDIR /../../up/./and/../down/
RUN pwd > here
WORKDIR ../sibling
