#!/bin/sh
echo "$GREETING from a hoist-built image ($(cat /app/build-info.txt))"
