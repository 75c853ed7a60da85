# Variables in the instructions that expand them: ADD, COPY (--chown too),
# ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR; and an escaped \$.
# build-args: PORT=9999
ARG BASE=sample/busybox
FROM $BASE
ARG PORT=1
ENV U=app DIR=/exp SRC=a.txt SIG=SIGTERM
WORKDIR $DIR
COPY $SRC ${DIR}/copied-${U}
ADD ${SRC} $DIR/added
COPY --chown=${U}:${U} $SRC ${DIR}/chowned
EXPOSE $PORT/udp
LABEL port=$PORT literal=\$U
STOPSIGNAL $SIG
VOLUME $DIR/vol
USER ${U}:${U}
