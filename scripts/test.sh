#!/usr/bin/env bash
# One command: set everything up on a fresh machine, then run the whole test
# suite: pytest (unit, real kernels, real Jupyter server), the kernel-side
# tests again under pandas 2.2, and the UI tests (Galata + Playwright in
# Debian's headless Chromium, real JupyterLab).
# Runs every suite even when one fails; exits non-zero if any did.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

bash scripts/setup.sh || exit 1
export PATH="$ROOT/.venv/bin:$PATH"

# Chromium from Debian: Playwright's own browser download cannot be used here.
if [ ! -x /usr/bin/chromium ]; then
  echo "test: installing Debian's chromium for the UI tests"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq || exit 1
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null || exit 1
fi

RESULTS="$ROOT/.test-results"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"

echo "test: pytest"
pytest --junitxml="$RESULTS/pytest.xml" "$@"
pytest_status=$?

echo "test: kernel-side tests under pandas 2.2"
bash scripts/test_pandas22.sh --junitxml="$RESULTS/pytest-pandas22.xml"
pandas22_status=$?

echo "test: UI tests (Galata, headless Chromium)"
(
  cd ui-tests &&
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 jlpm install --silent >/dev/null &&
    # Playwright only transpiles the specs: type-check them (strict) with the extension's tsc
    echo "test: type-checking the UI tests" &&
    "$ROOT/node_modules/.bin/tsc" -p tsconfig.json &&
    PLAYWRIGHT_JSON_OUTPUT_NAME="$RESULTS/ui-tests.json" jlpm playwright test --reporter=list,json
)
ui_status=$?

python scripts/summarize_tests.py \
  --pytest "pytest" "$RESULTS/pytest.xml" \
  --pytest "pytest (pandas 2.2)" "$RESULTS/pytest-pandas22.xml" \
  --playwright "ui-tests" "$RESULTS/ui-tests.json"
if [ $pytest_status -ne 0 ] || [ $pandas22_status -ne 0 ] || [ $ui_status -ne 0 ]; then
  echo "test: FAILED (pytest exit $pytest_status, pandas 2.2 exit $pandas22_status, UI tests exit $ui_status)"
  exit 1
fi
