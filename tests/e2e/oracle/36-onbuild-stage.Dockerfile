# A stage FROM a stage that has ONBUILD triggers: BuildKit runs them (as for
# an image); the child's config has no OnBuild.
# buildah-format: docker
ARG BASE=sample/busybox
FROM $BASE AS parent
ONBUILD RUN echo triggered > /triggered
FROM parent
RUN echo child > /child
