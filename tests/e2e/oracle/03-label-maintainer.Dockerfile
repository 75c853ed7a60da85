# LABEL: several per line, quoted keys and values, a continuation line, ARG
# expansion, a later LABEL overriding an earlier one; MAINTAINER.
ARG BASE=sample/busybox
FROM $BASE
ARG REV=abc123
LABEL org.example.name="oracle test" org.example.rev=$REV
LABEL "quoted key"="quoted value" multi="line \
 continued"
LABEL org.example.name=overridden empty=""
MAINTAINER Oracle Tester <oracle@example.com>
