#!/usr/bin/env bash
# Make every picture of docs/user-guide.md into docs/images/ (1280x800 PNG), offscreen, each from
# fresh temporary user folders, so a picture shows what a first start shows (the demo library).
# Usage: scripts/user_guide_images.sh [SCENE...]   (default: every scene)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
studio="$root/.venv/bin/studio"
out="$root/docs/images"
size=1280x800
scenes=("$@")
[ ${#scenes[@]} -gt 0 ] || scenes=(window ideas edit similar for-you export settings)
mkdir -p "$out"
for scene in "${scenes[@]}"; do
    home="$(mktemp -d)"
    XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data" XDG_STATE_HOME="$home/state" \
        XDG_CACHE_HOME="$home/cache" MOTIF_STUDIO_CONFIG="$home/settings.json" \
        QT_QPA_PLATFORM=offscreen \
        "$studio" --screenshot "$out/$scene.png" --size "$size" --scene "$scene" \
        2> >(grep -v "This plugin does not support" >&2)
    rm -rf "$home"
    echo "$out/$scene.png ($(($(stat -c %s "$out/$scene.png") / 1024)) KB)"
done
