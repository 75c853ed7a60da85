# RUN in exec form: no shell, no variable expansion by the builder.
ARG BASE=sample/busybox
FROM $BASE
ENV WHERE=/exec
RUN ["/bin/busybox", "mkdir", "-p", "/exec/dir"]
RUN ["/bin/busybox", "touch", "/exec/$WHERE"]
RUN ["sh", "-c", "echo \"$WHERE\" > /exec/where"]
