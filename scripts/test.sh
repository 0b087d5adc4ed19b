#!/usr/bin/env bash
# Set everything up (first time only) and run the checks: ruff, then the whole test suite.
# Arguments go to pytest (e.g. scripts/test.sh -k midi -x).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh --test

export QT_QPA_PLATFORM=offscreen
echo "==> ruff check"
.venv/bin/ruff check studio tests benchmarks

# A private sound server with a null sink, so playback tests use a real audio stream.
sound_dir=$(mktemp -d "${TMPDIR:-/tmp}/motif-sound.XXXXXX")
# (the clean-up never changes the tests' verdict)
trap 'scripts/sound-server.sh stop "$sound_dir" || true; rm -rf "$sound_dir" || true' EXIT
echo "==> starting a PulseAudio null sink for the audio tests"
eval "$(scripts/sound-server.sh start "$sound_dir")"

echo "==> pytest"
status=0
.venv/bin/python -m pytest "$@" || status=$?
if (( status == 5 )); then
  echo "pytest collected no tests: the suite is missing or misconfigured" >&2
  exit 1
fi
exit "$status"
