#!/usr/bin/env bash
# Set everything up (first time only) and run the checks: ruff, then the whole test suite.
# Arguments go to pytest (e.g. scripts/test.sh -k midi -x).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh --test

export QT_QPA_PLATFORM=offscreen
echo "==> ruff check"
.venv/bin/ruff check studio tests benchmarks
echo "==> pytest"
status=0
.venv/bin/python -m pytest "$@" || status=$?
if (( status == 5 )); then
  echo "pytest collected no tests: the suite is missing or misconfigured" >&2
  exit 1
fi
exit "$status"
