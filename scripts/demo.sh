#!/usr/bin/env bash
# One command: set everything up, then open JupyterLab on the demo notebook.
# Extra arguments go to `jupyter lab` (for example --no-browser --port 8890).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/jupyter lab examples/messy_data_demo.ipynb "$@"
