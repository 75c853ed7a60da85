# Names a plain tar header cannot hold: a 150-character file name, a path
# over 255 characters, a long symlink target, UTF-8 names, a newline in a
# name; and ids above ustar's 2097151.
ARG BASE=sample/busybox
FROM $BASE
COPY ünïcødé.txt /utf8/
RUN n=$(printf 'n%.0s' $(busybox seq 150)) && d=/long/$(printf 'd%.0s' $(busybox seq 90)) \
 && busybox mkdir -p $d/$(printf 'e%.0s' $(busybox seq 90))/$(printf 'f%.0s' $(busybox seq 90)) \
 && echo long > /long/$n && echo deep > $d/$(printf 'e%.0s' $(busybox seq 90))/$(printf 'f%.0s' $(busybox seq 90))/file \
 && busybox ln -s /long/$n /long/link-to-long && echo "ü" > "/utf8/ça va.txt" \
 && echo big > /bigids && busybox chown 3000000:3000001 /bigids && echo nl > "/utf8/new$(printf '\nline')"
COPY --chown=70000:2200000 a.txt /bigids-copied
