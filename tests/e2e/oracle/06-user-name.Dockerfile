# USER by name: RUN runs as that user and the files it makes are its own.
ARG BASE=sample/busybox
FROM $BASE
USER app
RUN id > /tmp/id.txt && busybox mkdir /tmp/appdir && echo mine > /tmp/appdir/f && echo note > /home/app/more.txt
USER root
RUN busybox chmod 0644 /tmp/id.txt
USER app
