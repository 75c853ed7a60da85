# COPY destinations relative to WORKDIR, and with an ENV variable.
ARG BASE=sample/busybox
FROM $BASE
WORKDIR /app
COPY a.txt .
COPY a.txt rel/
COPY a.txt rel-file
COPY dir sub
WORKDIR sub
COPY exec.sh ../up.sh
ENV TARGET=envdir
COPY a.txt $TARGET/
