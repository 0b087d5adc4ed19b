#!/usr/bin/env bash
# Set everything up (first time only) and start Motif Studio. Arguments go to `studio`.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
"$here/setup.sh"
exec "$here/../.venv/bin/studio" "$@"
