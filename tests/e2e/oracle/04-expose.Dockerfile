# EXPOSE: a bare port, tcp and udp (in any case), several on a line, a range,
# a variable.
ARG BASE=sample/busybox
FROM $BASE
ARG PORT=7000
EXPOSE 80
EXPOSE 443/tcp 53/udp 8080/TCP
EXPOSE 9000-9002/udp 132/sctp
EXPOSE $PORT
