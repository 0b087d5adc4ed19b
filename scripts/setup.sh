#!/usr/bin/env bash
# Set up Motif Studio on a Debian/Ubuntu machine: the system libraries it needs, a Python ≥ 3.11
# virtual environment in .venv, and the project installed into it (editable).
#
#   scripts/setup.sh          what the app needs
#   scripts/setup.sh --test   the same, plus the test tools and a sound server for the audio tests
#
# Safe to run again: it installs only what is missing and reinstalls the project only when
# pyproject.toml changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

with_tests=0
[[ "${1:-}" == "--test" ]] && with_tests=1

# Qt's runtime libraries (xcb platform plugin), PortAudio for sounddevice, FluidSynth for the
# SoundFont synthesizer and its default General MIDI SoundFont (FluidR3_GM, 145 MB; see
# studio/audio/soundfonts.py for why this one), venv support.
app_packages=(
  python3-venv libportaudio2 libfluidsynth3 fluid-soundfont-gm fonts-dejavu-core libegl1 libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3
  libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libxcb-randr0
)
# A sound server with a null sink, so playback is tested on a real audio stream (the ALSA
# plugins let PortAudio reach it); the validators of the desktop entry and AppStream metainfo.
test_packages=(pulseaudio pulseaudio-utils libasound2-plugins desktop-file-utils appstream)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

missing_packages() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || printf '%s\n' "$pkg"
  done
}

install_system_packages() {
  local wanted=("${app_packages[@]}")
  (( with_tests )) && wanted+=("${test_packages[@]}")
  if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
    say "not a Debian/Ubuntu system: make sure the equivalents of these are installed: ${wanted[*]}"
    return
  fi
  local missing
  mapfile -t missing < <(missing_packages "${wanted[@]}")
  (( ${#missing[@]} == 0 )) && return
  local sudo=()
  if (( EUID != 0 )); then
    command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  say "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

find_python() {
  local candidate
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return
    fi
  done
  return 1
}

install_system_packages

python=$(find_python) || {
  echo "Motif Studio needs Python 3.11 or newer; install it (e.g. apt-get install python3.11-venv)" >&2
  exit 1
}

if ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  say "creating .venv with $python"
  rm -rf .venv
  "$python" -m venv .venv
fi

# the repository's setup gives every command of the README: training data too
extras="[train]" stamp=".venv/.motif-installed" tools=""
if (( with_tests )); then
  extras="[train,test]" stamp=".venv/.motif-installed-test" tools=" with test tools"
fi
fingerprint=$(sha256sum pyproject.toml | cut -d' ' -f1)
up_to_date() { [[ -f "$1" && "$(cat "$1")" == "$fingerprint" ]]; }
# An install with the test tools also serves the app.
if ! up_to_date "$stamp" && ! { (( ! with_tests )) && up_to_date .venv/.motif-installed-test; }; then
  say "installing Motif Studio${tools} into .venv (torch is a CPU build)"
  # (grep drops pip's warnings about local package mirrors that some machines configure)
  .venv/bin/python -m pip install --disable-pip-version-check -q --progress-bar off \
    -e ".${extras}" 2> >(grep -v "^WARNING: Location" >&2)
  echo "$fingerprint" > "$stamp"
fi
