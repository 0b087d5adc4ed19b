"""A ``Song`` as timed MIDI messages for an output port, and where to start in the middle.

``event_messages`` follows the synth's event timeline (``studio.audio.render.song_events``), so a
MIDI port plays what the synthesizer would. Units: seconds from the start of the song, following
its tempo map. Plain Python (mido): no Qt, no torch.
"""

from __future__ import annotations

import mido

from studio.audio.render import song_events
from studio.core.music import Song


def event_messages(song: Song) -> list[tuple[float, mido.Message]]:
    """The song's events as ``(seconds, message)`` pairs in playing order.

    General MIDI already plays channel 9 as drums, so the synth-only "drums" events are dropped.
    """
    messages = []
    for event in song_events(song):
        kind, channel = event.kind, event.channel
        if kind == "note_on":
            message = mido.Message("note_on", channel=channel, note=event.a, velocity=event.b)
        elif kind == "note_off":
            message = mido.Message("note_off", channel=channel, note=event.a)
        elif kind == "control":
            message = mido.Message(
                "control_change", channel=channel, control=event.a, value=event.b
            )
        elif kind == "bend":
            message = mido.Message("pitchwheel", channel=channel, pitch=event.a)
        elif kind == "program":
            message = mido.Message("program_change", channel=channel, program=event.a)
        else:
            continue
        messages.append((event.seconds, message))
    return messages


def messages_from(
    messages: list[tuple[float, mido.Message]], seconds: float
) -> list[tuple[float, mido.Message]]:
    """What to send to play ``messages`` (``(seconds, message)`` pairs) from ``seconds`` on.

    First, at ``seconds``, each channel's last program, controller values and pitch bend set
    before then (so a song resumed in the middle sounds as it would there); then the messages
    from ``seconds`` on. Notes that started before are not restarted.
    """
    setup: dict[tuple[str, int, int], mido.Message] = {}
    later = []
    for at, message in messages:
        if at >= seconds:
            later.append((at, message))
        elif message.type in ("program_change", "control_change", "pitchwheel"):
            key = (message.type, message.channel, getattr(message, "control", -1))
            setup.pop(key, None)  # keep the order of the last setting of each
            setup[key] = message
    return [(seconds, message) for message in setup.values()] + later
