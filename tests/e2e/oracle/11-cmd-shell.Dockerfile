# CMD in shell form: wrapped in /bin/sh -c, text kept as written.
ARG BASE=sample/busybox
FROM $BASE
ENV GREETING=hi
CMD echo "$GREETING"   from   shell
