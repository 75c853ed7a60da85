# ENTRYPOINT in shell form after a CMD of this same stage: the CMD stays;
# a later stage FROM it inherits both.
ARG BASE=sample/busybox
FROM $BASE AS first
CMD ["own", "cmd"]
ENTRYPOINT echo shell form entry
FROM first
LABEL stage=second
