# Builds hoist itself (later: with hoist). Runtime image has only the shared libraries.
FROM debian:bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libarchive-dev libisal-dev libzstd-dev libssl-dev libcurl4-openssl-dev \
      nlohmann-json3-dev libcli11-dev libfmt-dev libgtest-dev libgmock-dev \
    && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN cmake -S /src -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
    && cmake --build /build --target hoist

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
      libarchive13 libisal2 libzstd1 libssl3 libcurl4 libfmt9 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/hoist /usr/local/bin/hoist
ENTRYPOINT ["hoist"]
