# CMD in exec form: no variable expansion, no shell; the last CMD wins.
ARG BASE=sample/busybox
FROM $BASE
CMD ["first"]
CMD ["echo", "exec form", "$HOME"]
