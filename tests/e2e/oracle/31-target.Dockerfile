# --target builds a middle stage; the stages after it are not built.
# target: middle
ARG BASE=sample/busybox
FROM $BASE AS first
RUN echo first > /first
FROM first AS middle
RUN echo middle > /middle
ENV STAGE=middle
FROM middle AS last
RUN echo last > /last
ENV STAGE=last
