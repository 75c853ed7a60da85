# ENV: several pairs on a line, the legacy one-pair form, references to
# earlier values (a line sees the values from before it), quoting, escapes,
# ${VAR:-default} and ${VAR:+alt}; RUN sees them all.
ARG BASE=sample/busybox
FROM $BASE
ENV A=one B="two words" C=three\ escaped
ENV D=$A-${B} A=changed E=$A
ENV LEGACY value with  spaces
ENV P=${UNSET:-fallback} Q=${A:+set} R='single $A' PATH=/opt/bin:$PATH
ENV EQ=a=b QUOTED="say \"hi\"" DOLLAR=\$A EMPTY=""
RUN echo "$A|$B|$C|$D|$E|$LEGACY|$P|$Q|$R|$PATH|$EQ|$QUOTED|$DOLLAR" > /env.out
