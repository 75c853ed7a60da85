# WORKDIR under a non-root USER: the directory it makes, and one that exists.
ARG BASE=sample/busybox
FROM $BASE
USER app
WORKDIR /made/by/app
WORKDIR /home/app
RUN echo here > here.txt
