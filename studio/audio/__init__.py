"""Sound: a SoundFont synthesizer, offline rendering to WAV, the ``Playback`` interface that the
synth ``Player`` and the ``MidiPortPlayer`` share, live playback and external MIDI ports.

Plain Python over ``studio.core`` only: nothing here imports Qt or torch. Import the submodules
you need, e.g. ``from studio.audio.render import render_song``.
"""
