# HEALTHCHECK in exec form with every option, over a base stage with a
# shell-form one. buildah keeps HEALTHCHECK only in docker format.
# buildah-format: docker
ARG BASE=sample/busybox
FROM $BASE AS checked
HEALTHCHECK CMD echo shell form
FROM checked
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=2 CMD ["/bin/echo", "ok"]
