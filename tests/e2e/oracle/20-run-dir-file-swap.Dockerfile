# RUN replacing a directory by a file and back, a file by a directory, and a
# whole directory by a new one of the same name; directories of lower layers
# renamed (overlayfs redirects or copy-up must not lose their contents); a
# symlink replaced by a directory, a directory by a symlink.
ARG BASE=sample/busybox
FROM $BASE
RUN rm -r /home/app && echo "now a file" > /home/app
RUN rm /home/app && busybox mkdir /home/app && echo back > /home/app/again
RUN rm -r /usr/bin && busybox mkdir /usr/bin && echo only > /usr/bin/only
RUN rm /etc/motd && busybox mkdir /etc/motd && echo inside > /etc/motd/file
RUN busybox mv /home /home-moved && busybox mv /var/empty /tmp/empty-moved && busybox mv /usr/bin /usr/bin-moved
RUN rm /bin/ls && busybox mkdir /bin/ls && rm -r /var && busybox ln -s /tmp /var
