# COPY --from a stage by name and by index: a directory (with a symlink and
# owners kept), its contents (trailing slash), a single symlink (followed, to
# a file and to a directory), a file, --chown.
ARG BASE=sample/busybox
FROM $BASE AS build
RUN busybox mkdir -p /out/sub && echo built > /out/file && busybox ln -s file /out/link && busybox ln -s sub /out/sublink \
 && echo s > /out/sub/s && busybox chown -R 1000:1000 /out/sub && busybox chmod 0750 /out/sub && busybox chmod 4755 /out/file
FROM $BASE
RUN echo second > /second
FROM $BASE
COPY --from=build /out /by-name
COPY --from=1 /second /by-index
COPY --from=build /out/ /trailing/
COPY --from=build /out/link /link-copied
COPY --from=build --chown=app:app /out/sub /chowned
COPY --from=build /out/sublink /via-dirlink
