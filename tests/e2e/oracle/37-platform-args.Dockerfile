# The automatic platform ARGs, declared in a stage (BuildKit and buildah set
# them for the build's platform) and in the global scope.
ARG BASE=sample/busybox
ARG TARGETARCH
FROM $BASE
ARG TARGETPLATFORM
ARG TARGETOS
ARG TARGETARCH
ARG BUILDPLATFORM
RUN echo "$TARGETPLATFORM|$TARGETOS|$TARGETARCH|$BUILDPLATFORM" > /platform
