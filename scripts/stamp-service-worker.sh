#!/bin/sh
# Trunk post-build hook: writes the build's identity (a hash of the finished index.html,
# which names every hashed asset) into the staged service worker.
set -eu
dir="${TRUNK_STAGING_DIR:?trunk sets TRUNK_STAGING_DIR for hooks}"
build=$(sha256sum "$dir/index.html" | cut -c1-16)
sed -i "s/__BUILD__/$build/" "$dir/sw.js"
