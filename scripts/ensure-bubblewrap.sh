#!/usr/bin/env bash
# Makes sure Debian's bubblewrap is installed (the sandbox Execute Command's commands run in,
# and which its tests need). Prints its path.
#
#   scripts/ensure-bubblewrap.sh      # installs it with apt-get when missing (needs root)
set -euo pipefail
for bin in /usr/bin/bwrap /usr/local/bin/bwrap /bin/bwrap; do
  if [ -x "$bin" ]; then
    echo "$bin"
    exit 0
  fi
done
if [ "$(id -u)" != 0 ]; then
  echo "ensure-bubblewrap: bwrap is missing; install Debian's bubblewrap package (as root: apt-get install bubblewrap)" >&2
  exit 1
fi
echo "ensure-bubblewrap: installing Debian's bubblewrap package" >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >&2
echo /usr/bin/bwrap
