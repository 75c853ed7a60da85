# A stage FROM another stage inherits its ENV, WORKDIR, USER, LABEL, CMD and
# ENTRYPOINT; its RUN runs there as that user. (USER before WORKDIR: BuildKit
# makes the WORKDIR's directory for the USER in effect at the WORKDIR.)
ARG BASE=sample/busybox
FROM $BASE AS parent
ENV FROM_PARENT=yes
USER app
WORKDIR /home/app/work
LABEL parent=yes
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["echo parent"]
FROM parent
RUN pwd > where && id > who && echo "$FROM_PARENT" > env
LABEL child=yes
