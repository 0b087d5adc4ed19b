#!/usr/bin/env bash
# Build Motif Studio as a one-folder desktop app (PyInstaller) and check that it runs without
# Python: dist/motif-studio-<version>/studio. See packaging/bundle/README.md.
#
#   packaging/build-bundle.sh           build the bundle, then check it
#   packaging/build-bundle.sh --check   only check the bundle built before
#
# Run scripts/setup.sh first (the system libraries and .venv, whose Python builds the bundle).
# The build has its own venv, build/bundle-venv: the app's dependencies without the test and
# training extras, plus PyInstaller. Takes a few minutes and ~2.3 GB of disk under build/ and
# dist/; not part of every CI run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

PYINSTALLER_VERSION=6.22.3
venv=build/bundle-venv
spec=packaging/bundle/motif-studio.spec

check_only=0
case "${1:-}" in
  "") ;;
  --check) check_only=1 ;;
  -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
seconds() {  # milliseconds → "s.cc" (0: the run failed)
  if (( $1 == 0 )); then printf 'failed'; else printf '%d.%02d' $(($1 / 1000)) $(($1 % 1000 / 10)); fi
}

# --- the build venv ------------------------------------------------------------------------------
if [[ ! -x .venv/bin/python ]]; then
  echo "no .venv: run scripts/setup.sh first" >&2
  exit 1
fi
if ! "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  (( check_only )) && { echo "no build venv ($venv): build the bundle first" >&2; exit 1; }
  say "creating the build venv $venv"
  rm -rf "$venv"
  .venv/bin/python -m venv "$venv"  # a venv of .venv's base Python (it has libpython3.x.so)
fi
pip_quiet() {
  # (grep drops pip's warnings about local package mirrors that some machines configure)
  "$venv/bin/python" -m pip install --disable-pip-version-check -q --progress-bar off "$@" \
    2> >(grep -v "^WARNING: Location" >&2)
}
if (( ! check_only )); then
  fingerprint="$(sha256sum pyproject.toml | cut -d' ' -f1) pyinstaller==$PYINSTALLER_VERSION"
  stamp="$venv/.motif-bundle-deps"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$fingerprint" ]]; then
    say "installing the app's dependencies and PyInstaller $PYINSTALLER_VERSION into $venv"
    pip_quiet . "pyinstaller==$PYINSTALLER_VERSION"
    echo "$fingerprint" > "$stamp"
  fi
  say "installing this checkout's studio package into $venv"
  pip_quiet --no-deps --force-reinstall .
fi

# -P: import the installed package, not ./studio
version=$("$venv/bin/python" -P -c 'import studio; print(studio.__version__)')
base_prefix=$("$venv/bin/python" -P -c 'import sys; print(sys.base_prefix)')
name="motif-studio-$version"
bundle="$root/dist/$name"
app="$bundle/studio"

# --- the build -----------------------------------------------------------------------------------
if (( ! check_only )); then
  say "building dist/$name with PyInstaller (a few minutes)"
  build_start=$(now_ms)
  MOTIF_BUNDLE_NAME="$name" "$venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath "$root/dist" --workpath "$root/build/pyinstaller" "$spec"
  build_ms=$(( $(now_ms) - build_start ))
  say "built in $(seconds "$build_ms") s"
fi
[[ -x "$app" ]] || { echo "no bundle at $app" >&2; exit 1; }

# --- the checks ----------------------------------------------------------------------------------
say "checking $bundle"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/motif-bundle-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{home,config,data,state,cache,bin,gen} && mkdir -m 700 "$tmp/runtime"
failures=0
fail() { printf '\033[1;31mFAIL: %s\033[0m\n' "$*"; failures=$((failures + 1)); }
pass() { printf 'ok: %s\n' "$*"; }

# The bundle runs with an empty environment: fresh user folders, no settings, and a PATH with
# nothing in it ($tmp/bin is empty), so no Python on the machine can stand in for the bundle's.
bundle_env=(
  env -i HOME="$tmp/home" PATH="$tmp/bin" LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen
  XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" XDG_STATE_HOME="$tmp/state"
  XDG_CACHE_HOME="$tmp/cache" XDG_RUNTIME_DIR="$tmp/runtime"
  MOTIF_STUDIO_CONFIG="$tmp/settings.json"
)
# Under strace (when installed) every file the bundle opens is logged, to show below that none
# comes from a Python installation.
have_strace=0
command -v strace >/dev/null && have_strace=1
step=0
run() {  # run the bundle (under strace if present); output in $tmp/out-N.txt
  step=$((step + 1))
  local tracer=()
  if (( have_strace )); then
    tracer=(strace -f -qq -e "trace=openat,execve" -o "$tmp/trace-$step")
  fi
  "${tracer[@]}" "${bundle_env[@]}" "$app" "$@" > "$tmp/out-$step.txt" 2>&1
}
indent() { sed 's/^/    | /'; }
show_output() { tail -n 20 "$tmp/out-$step.txt" | indent; }
bytes() { od -An -tu1 -j "$2" -N "$3" "$1" | tr -s ' \n' ' '; }
uint32_be() {  # the big-endian 32-bit number at offset $2 of file $1
  local b
  read -r -a b <<< "$(bytes "$1" "$2" 4)"
  echo $(( (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3] ))
}

# (a) the version
if run --version && [[ "$(cat "$tmp/out-$step.txt")" == "studio $version" ]]; then
  pass "studio --version prints 'studio $version'"
else
  fail "studio --version (want 'studio $version')"; show_output
fi

# (b) a screenshot, offscreen, of the size asked for
shot="$tmp/shot.png"
if run --screenshot "$shot" --size 1280x800 && [[ -s "$shot" ]]; then
  if [[ "$(bytes "$shot" 1 3)" == " 80 78 71 " ]] &&
    (( $(uint32_be "$shot" 16) == 1280 && $(uint32_be "$shot" 20) == 800 )); then
    pass "studio --screenshot writes a 1280x800 PNG ($(stat -c %s "$shot") bytes)"
  else
    fail "the screenshot is not a 1280x800 PNG"
  fi
else
  fail "studio --screenshot OUT.png --size 1280x800"; show_output
fi

# (c) generate MIDI files
midi="$tmp/gen/melody-01.mid"
if run generate -o "$tmp/gen" --count 2 --seed 7 && [[ -s "$midi" ]] &&
  [[ "$(head -c 4 "$midi")" == "MThd" ]]; then
  pass "studio generate writes MIDI files ($(find "$tmp/gen" -name '*.mid' | wc -l) files)"
else
  fail "studio generate -o DIR --count 2"; show_output
fi

# (d) render one of them to a WAV file
wav="$tmp/melody-01.wav"
if [[ -s "$midi" ]] && run render "$midi" -o "$wav" && [[ -s "$wav" ]] &&
  [[ "$(head -c 4 "$wav")" == "RIFF" && "$(tail -c +9 "$wav" | head -c 4)" == "WAVE" ]] &&
  (( $(stat -c %s "$wav") > 44100 )); then
  pass "studio render writes a WAV file ($(stat -c %s "$wav") bytes): $(cat "$tmp/out-$step.txt")"
else
  fail "studio render FILE.mid -o OUT.wav"; show_output
fi

# (e) nothing from a Python installation: no file opened from one, no Python executed
python_places=("$root/.venv/" "$root/$venv/" "$base_prefix/" /usr/lib/python3 /usr/local/lib/python3)
if (( have_strace )); then
  opened=$(cat "$tmp"/trace-* | grep -v ' = -1 ' | grep -Eo '(openat|execve)\([^"]*"[^"]*"' |
    sed -E 's/^[^"]*"//; s/"$//' | sort -u)
  from_python=$(grep -F "${python_places[@]/#/-e}" <<< "$opened" || true)
  executed=$(cat "$tmp"/trace-* | grep -v ' = -1 ' | grep -Eo 'execve\("[^"]*"' |
    sed -E 's/^execve\("//; s/"$//' | sort -u)
  if [[ -n "$from_python" ]]; then
    fail "the bundle opened files of a Python installation:"; indent <<< "$from_python"
  elif grep -q python <<< "$executed"; then
    fail "the bundle ran a Python executable: $(grep python <<< "$executed" | tr '\n' ' ')"
  else
    outside=$(grep -v -e "^$bundle/" -e "^$tmp/" <<< "$opened" | grep -c . || true)
    pass "no file opened from a Python installation (strace: $(wc -l <<< "$opened") files," \
      "$outside outside the bundle, e.g. system libraries; executed: $(tr '\n' ' ' <<< "$executed"))"
  fi
else
  echo "(strace not installed: the check of opened files is skipped)"
fi
# the bundle's libraries resolve libpython inside the bundle only
libpython=$(find "$bundle/_internal" -maxdepth 1 -name 'libpython3*.so*' -printf '%f\n' | head -n 1)
if [[ -n "$libpython" ]]; then
  pass "the bundle carries its own Python runtime ($libpython); the system needs none"
else
  fail "no libpython3.x.so in $bundle/_internal"
fi

# --- size and start-up time ----------------------------------------------------------------------
say "size"
du -sh "$bundle" | sed "s|$root/||"
(cd "$bundle/_internal" && du -sh -- * | sort -rh | head -n 8 | sed 's/^/    /')

say "start-up time (offscreen, empty settings; best of 3)"
best_of_3() {  # prints the best wall time of running "$@" three times, in ms
  local best=0 start ms
  for _ in 1 2 3; do
    start=$(now_ms)
    "$@" > /dev/null 2>&1 || { echo 0; return; }
    ms=$(( $(now_ms) - start ))
    (( best == 0 || ms < best )) && best=$ms
  done
  echo "$best"
}
bundle_version_ms=$(best_of_3 "${bundle_env[@]}" "$app" --version)
bundle_shot_ms=$(best_of_3 "${bundle_env[@]}" "$app" --screenshot "$tmp/t.png" --size 1280x800)
printf '  bundle: studio --version %s s, --screenshot (until the PNG is written) %s s\n' \
  "$(seconds "$bundle_version_ms")" "$(seconds "$bundle_shot_ms")"
if [[ -x .venv/bin/studio ]]; then  # the same from the source install, for comparison
  venv_env=("${bundle_env[@]}")
  venv_env[3]="PATH=$root/.venv/bin:/usr/bin:/bin"
  venv_version_ms=$(best_of_3 "${venv_env[@]}" .venv/bin/studio --version)
  venv_shot_ms=$(best_of_3 "${venv_env[@]}" .venv/bin/studio --screenshot "$tmp/t.png" --size 1280x800)
  printf '  .venv:  studio --version %s s, --screenshot (until the PNG is written) %s s\n' \
    "$(seconds "$venv_version_ms")" "$(seconds "$venv_shot_ms")"
fi
[[ -n "${build_ms:-}" ]] && printf '  build time: %s s\n' "$(seconds "$build_ms")"

if (( failures )); then
  printf '\033[1;31m%d check(s) failed\033[0m\n' "$failures"
  exit 1
fi
say "dist/$name is ready: run it with dist/$name/studio"
