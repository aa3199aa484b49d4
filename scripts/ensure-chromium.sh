#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed (the browser the dashboard's end-to-end tests, its
# screenshots and the Lighthouse benchmark drive). Prints its path.
#
#   scripts/ensure-chromium.sh        # installs it with apt-get when missing (needs root)
#
# CHROMIUM_PATH chooses another binary.
set -euo pipefail
bin="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$bin" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "ensure-chromium: $bin is missing; install Debian's chromium package (as root: apt-get install chromium)" >&2
    exit 1
  fi
  echo "ensure-chromium: installing Debian's chromium package" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
fi
echo "$bin"
