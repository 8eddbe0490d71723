# Node 24 LTS for the second test leg (the Docker image's runtime), from the npm package node@24.
NODE24_DIR="$PICO_CACHE/node24"
if [ ! -x "$NODE24_DIR/node_modules/.bin/node" ]; then
  npm install --prefix "$NODE24_DIR" --no-save --no-audit --no-fund node@24 >/dev/null
fi
export NODE24_BIN="$NODE24_DIR/node_modules/.bin/node"
"$NODE24_BIN" --version
