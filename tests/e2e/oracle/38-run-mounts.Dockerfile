# RUN --mount of type bind (from the context, read-only) and tmpfs, onto paths
# the image lacks: what the RUN writes elsewhere stays, the mounts and their
# mount points do not.
ARG BASE=sample/busybox
FROM $BASE
RUN --mount=type=bind,source=dir,target=/mnt/ctx --mount=type=tmpfs,target=/scratch \
    cat /mnt/ctx/x.conf > /from-bind && echo tmp > /scratch/t && ls /scratch > /tmpfs-listing
