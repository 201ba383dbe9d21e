#!/usr/bin/env bash
# Renders an HTML report to a PNG with headless Chromium, to check it by looking:
#   scripts/screenshot.sh reports/hot-standby/report.html /tmp/hot-standby.png [width]
# Needs chromium on PATH (Debian: apt-get install chromium); exits 3 without it.
set -euo pipefail
html=$(realpath "$1")
out=$(realpath -m "$2")
width=${3:-1280}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "screenshot: no chromium on PATH" >&2
  exit 3
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --hide-scrollbars --window-size="$width,3000" \
  --screenshot="$out" "file://$html" >/dev/null 2>&1
test -s "$out"
echo "wrote $out"
