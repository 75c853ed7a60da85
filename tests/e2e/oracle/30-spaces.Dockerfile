# Files and directories with spaces. Only the JSON form can name them: the
# other form is split at whitespace before quotes or escapes are looked at
# (docker's parser, shared by BuildKit and buildah), so `COPY "a b" /x/`
# is an error in both.
ARG BASE=sample/busybox
FROM $BASE
COPY ["with space.txt", "/dest with space/"]
COPY ["dir with space", "/dws"]
COPY ["dir with space/inner file.txt", "/dest with space/renamed file.txt"]
RUN echo x > "/run made.txt"
