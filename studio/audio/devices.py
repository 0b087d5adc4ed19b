"""Audio output devices, through sounddevice (PortAudio), and the "no audio" error.

Everything that touches PortAudio goes through ``import_sounddevice()``, so a machine without the
PortAudio library gets one clear ``AudioUnavailable`` message instead of an ``OSError`` at import
time, and everything that does not need a device (render, export) keeps working.
"""

from __future__ import annotations

from types import ModuleType

from studio.core.errors import StudioError

NO_AUDIO = "no audio output available"


class AudioUnavailable(StudioError):
    """No audio output can be used; the message says why (no library, no device, device lost)."""


def import_sounddevice() -> ModuleType:
    """Import and return ``sounddevice``.

    Raises:
        AudioUnavailable: the PortAudio library is not installed (sounddevice raises ``OSError``).
    """
    try:
        import sounddevice
    except OSError as error:
        raise AudioUnavailable(
            f"{NO_AUDIO}: PortAudio library not found (install libportaudio2)"
        ) from error
    return sounddevice


def output_devices() -> list[dict]:
    """List the devices that can play sound.

    Returns:
        One dict per output device: ``index`` (PortAudio device index), ``name``, ``channels``
        (maximum output channels), ``default_samplerate`` (Hz) and ``is_default``.

    Raises:
        AudioUnavailable: no PortAudio library, PortAudio fails, or there is no output device.
    """
    sd = import_sounddevice()
    try:
        devices = sd.query_devices()
        default = _default_output_index(sd)
    except sd.PortAudioError as error:
        raise AudioUnavailable(f"{NO_AUDIO}: {error}") from error
    found = [
        {
            "index": int(device["index"]),
            "name": str(device["name"]),
            "channels": int(device["max_output_channels"]),
            "default_samplerate": float(device["default_samplerate"]),
            "is_default": int(device["index"]) == default,
        }
        for device in devices
        if device["max_output_channels"] > 0
    ]
    if not found:
        raise AudioUnavailable(f"{NO_AUDIO}: no output device")
    return found


def resolve_device(device: str | int | None) -> int:
    """Turn a device choice (None = the default, an index, a name or part of one) into an index.

    A string of digits is an index. A name matches exactly first (case-insensitive), then as a
    part of exactly one device name.

    Raises:
        AudioUnavailable: there is no such output device (the message lists the available ones).
    """
    devices = output_devices()
    if isinstance(device, str) and device.strip().isdigit():
        device = int(device.strip())
    names = ", ".join(f"{d['index']}: {d['name']}" for d in devices)
    if device is None:
        default = [d for d in devices if d["is_default"]]
        return (default or devices)[0]["index"]
    if isinstance(device, int):
        if any(d["index"] == device for d in devices):
            return device
        raise AudioUnavailable(f"{NO_AUDIO}: no output device {device} (devices: {names})")
    wanted = device.strip().lower()
    exact = [d for d in devices if d["name"].lower() == wanted]
    partial = [d for d in devices if wanted and wanted in d["name"].lower()]
    matches = exact or partial
    if len(matches) == 1:
        return matches[0]["index"]
    problem = "several output devices match" if matches else "no output device named"
    raise AudioUnavailable(f"{NO_AUDIO}: {problem} {device!r} (devices: {names})")


def _default_output_index(sd: ModuleType) -> int:
    """PortAudio's default output device index, or -1 when there is none."""
    try:
        return int(sd.query_devices(kind="output")["index"])
    except (sd.PortAudioError, ValueError):
        return -1
