#!/usr/bin/env bash
# Makes sure Node.js 22.18 or newer runs IZA OS. When the local `node` is older, installs Node 24
# from the npm registry's `node` package into a cache folder (once) and puts it first on PATH.
#
#   source scripts/ensure-node.sh          # in a shell: PATH now leads to a suitable node
#   bash scripts/ensure-node.sh CMD ARGS   # runs CMD with that PATH
#
# IZA_NODE_CACHE chooses the cache folder (default ~/.cache/iza-os/node24).

iza_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=18)?0:1)'
}

if ! iza_node_ok; then
  IZA_NODE_CACHE="${IZA_NODE_CACHE:-$HOME/.cache/iza-os/node24}"
  if [ ! -x "$IZA_NODE_CACHE/node_modules/.bin/node" ]; then
    echo "ensure-node: Node.js $(node --version 2>/dev/null || echo 'missing') is too old; installing Node 24 into $IZA_NODE_CACHE" >&2
    mkdir -p "$IZA_NODE_CACHE"
    npm install --prefix "$IZA_NODE_CACHE" --no-audit --no-fund --loglevel=error node@24 >&2 || {
      echo "ensure-node: could not install Node 24 from the npm registry" >&2
      return 1 2>/dev/null || exit 1
    }
  fi
  export PATH="$IZA_NODE_CACHE/node_modules/.bin:$PATH"
  iza_node_ok || { echo "ensure-node: Node 24 did not install correctly" >&2; return 1 2>/dev/null || exit 1; }
fi

# Executed (not sourced) with a command: run it.
if [ "${BASH_SOURCE[0]}" = "$0" ] && [ $# -gt 0 ]; then
  exec "$@"
fi
