"""Sound: a SoundFont synthesizer, offline rendering to WAV and (in ``player``) live playback.

Plain Python: nothing here imports Qt or torch. Import the submodules you need, e.g.
``from studio.audio.render import render_song``.
"""
