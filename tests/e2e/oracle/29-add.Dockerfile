# ADD: a local tar.gz and a plain tar extracted (owners and modes from the
# archive), into a path with and without a trailing slash and over an
# existing directory, and with --chown (buildah 1.28 and hoist give the
# directory made to that owner and keep the archive's owners on the entries;
# BuildKit 0.23 and later, moby/buildkit#5987, chown the entries too); a
# plain file, also with --chown; a directory; a .gz that is no tar (copied
# as it is); wildcards naming archives; COPY does not extract.
ARG BASE=sample/busybox
FROM $BASE
ADD archive.tar.gz /extract/
ADD archive.tar.gz /extract-noslash
ADD plain.tar /home/app/
ADD a.txt /added-plain
ADD dir /added-dir
ADD --chown=app:app a.txt /added-chown
ADD --chown=1000:1000 archive.tar.gz /extract-chown/
ADD notar.gz /notar/
ADD p*.tar archive.tar.* /wild-extract/
COPY archive.tar.gz /not-extracted/
