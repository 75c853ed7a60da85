# RUN changing files of lower layers: content, mode, owner, deletion (files,
# a directory), and files made in one RUN and deleted or remade in a later one;
# a read-only directory with a file in it.
ARG BASE=sample/busybox
FROM $BASE
RUN echo changed > /home/app/notes.txt && busybox chmod 0600 /etc/passwd && busybox chown 1000:1000 /etc/group \
 && rm /etc/motd.hardlink && busybox rmdir /var/empty && busybox chmod 0700 /root && busybox chown 0:1000 /home/app
RUN echo new > /tmp/new && busybox mkdir -p /tmp/gone/sub && echo x > /tmp/gone/sub/f && echo keep > /tmp/keep
RUN rm -r /tmp/gone && rm /tmp/new && echo again > /tmp/new && busybox chmod 0640 /tmp/keep \
 && echo locked > /tmp/locked && busybox chmod 000 /tmp/locked
RUN busybox rm /bin/env && busybox ln -s /bin/busybox /bin/env
RUN busybox mkdir /ro && echo x > /ro/f && busybox chmod 0555 /ro && busybox chmod 0444 /ro/f
