# RUN giving files a file capability, as setcap does: a new file and a file
# of a lower layer (copied up with it) carry the security.capability xattr
# into the layer. busybox has no setcap; the test compiles a static one into
# the context as tools/setcap-min.
ARG BASE=sample/busybox
FROM $BASE
COPY tools/setcap-min /usr/sbin/setcap-min
RUN printf '#!/bin/sh\necho bound\n' > /bind-tool && busybox chmod 0755 /bind-tool \
 && /usr/sbin/setcap-min /bind-tool /etc/group
