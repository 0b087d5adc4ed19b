#!/usr/bin/env bash
# Start or stop a private PulseAudio server with a null sink, for tests that play real audio.
#
#   eval "$(scripts/sound-server.sh start DIR)"   start it; prints the variables to export
#                                                 (PULSE_SERVER, and MOTIF_TEST_AUDIO=pulse)
#   scripts/sound-server.sh stop DIR              stop it
#
# Root needs --system=false and its own HOME and XDG_RUNTIME_DIR. An idle null sink stalls new
# streams for about two seconds, so a silent keep-alive stream plays from the start; with a
# short latency (20 ms) it also keeps new streams from stalling after an underrun.
set -euo pipefail
action=${1:?start or stop}
dir=${2:?a folder for the server state}
export HOME="$dir" XDG_RUNTIME_DIR="$dir/runtime"

case "$action" in
  start)
    command -v pulseaudio >/dev/null || { echo "echo 'pulseaudio is not installed' >&2"; exit 0; }
    mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
    pulseaudio --kill >/dev/null 2>&1 || true
    pulseaudio --system=false --daemonize=yes --exit-idle-time=-1 -n \
      --load="module-null-sink sink_name=motif_null" \
      --load="module-native-protocol-unix auth-anonymous=1 socket=$dir/pulse.sock" \
      --log-target="file:$dir/pulseaudio.log" >/dev/null 2>&1
    export PULSE_SERVER="unix:$dir/pulse.sock"
    for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
    pacat --playback --raw --latency-msec=20 < /dev/zero >/dev/null 2>&1 &
    echo "$!" > "$dir/keepalive.pid"
    sleep 2.5
    # Clients reach the server through PULSE_SERVER alone; HOME stays the user's.
    echo "export MOTIF_TEST_AUDIO=pulse PULSE_SERVER='$PULSE_SERVER'"
    ;;
  stop)
    [[ -f "$dir/keepalive.pid" ]] && kill "$(cat "$dir/keepalive.pid")" 2>/dev/null || true
    server=$(cat "$XDG_RUNTIME_DIR/pulse/pid" 2>/dev/null || true)
    pulseaudio --kill >/dev/null 2>&1 || true
    # --kill only signals (and the pid file goes first): wait for the process itself to end,
    # so that it writes nothing more into DIR once this returns
    for _ in $(seq 50); do
      [[ -n "$server" ]] && kill -0 "$server" 2>/dev/null || break
      sleep 0.1
    done
    ;;
esac
