# ARG: defaults, --build-arg overriding them (also with an empty value), a
# global ARG redeclared without a value, an ARG without a default, an ARG
# redeclared later (the build arg still wins); ARGs are in RUN's environment
# but not in the image's Env; an ENV beats an ARG of the same name.
# build-args: WHO=oracle EMPTY= GLOBAL_ONLY=given
ARG BASE=sample/busybox
ARG VERSION=1.0
ARG GLOBAL_ONLY=global
FROM $BASE
ARG WHO=nobody
ARG GREETING="hello there"
ARG VERSION
ARG EMPTY=notempty
ARG NODEFAULT
ARG DERIVED=${WHO}-${VERSION}
ENV FROM_ARG=$WHO-$VERSION
RUN echo "$WHO|$GREETING|$VERSION|$EMPTY|${NODEFAULT:-unset}|${GLOBAL_ONLY:-not-redeclared}|$DERIVED" > /args.out
ARG OVERRIDE=arg
ENV OVERRIDE=env
ARG OVERRIDE=again
RUN echo "$OVERRIDE" > /env-wins
ARG WHO=shadowed
RUN echo "$WHO" > /args.later
