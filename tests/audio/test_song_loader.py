"""The player's song loader: songs rendered on the loader thread into a transport (no device)."""

from __future__ import annotations

import threading

import pytest

from studio.audio.song_loader import SongLoader
from studio.audio.synth import SoundFontError, Synth
from studio.audio.transport import Transport
from studio.core.errors import InvalidInput
from studio.core.music import Note, Song, TempoChange, Track


def beats_song(beats: int, tempo: float = 120.0) -> Song:
    """One note per beat, ``beats`` long."""
    notes = tuple(Note(60 + i % 12, float(i), 1.0, 90) for i in range(beats))
    return Song((Track(notes),), tempos=(TempoChange(0.0, tempo),))


class Loader:
    """A ``SongLoader`` over a fresh transport that records what it reports."""

    def __init__(self, make_synth=Synth) -> None:
        self.transport = Transport(44100, 512)
        self.loaded = 0
        self.errors: list[Exception] = []
        self.threads: set[str] = set()
        self.loader = SongLoader(
            self.transport, make_synth=make_synth, on_loaded=self._loaded, on_failed=self._failed
        )

    def _loaded(self) -> None:
        self.loaded += 1
        self.threads.add(threading.current_thread().name)

    def _failed(self, error: Exception) -> None:
        self.errors.append(error)


@pytest.fixture
def loader():
    made = Loader()
    yield made
    made.loader.close()


def test_load_installs_the_rendered_song_on_the_loader_thread(loader):
    assert loader.loader.song is None and not loader.loader.is_loading
    song = beats_song(4)  # 2 s at 120 BPM
    loader.loader.load(song, wait=True)
    assert loader.loader.song is song and not loader.loader.is_loading
    assert loader.transport.duration_seconds == pytest.approx(2.0)
    assert loader.loaded == 1 and loader.threads == {"loader"}
    assert not loader.errors


def test_each_render_carries_its_metronome_clicks_at_the_rendered_tempo(loader):
    loader.loader.load(beats_song(4), wait=True)
    assert loader.transport.rendered.clicks.frames.tolist() == [0, 22050, 44100, 66150]
    loader.loader.set_tempo_factor(2.0, wait=True)
    assert loader.transport.rendered.clicks.frames.tolist() == [0, 11025, 22050, 33075]
    assert loader.transport.rendered.clicks.accents.tolist() == [True, False, False, False]


def test_tempo_factor_rerenders_the_song(loader):
    loader.loader.set_tempo_factor(2.0)  # no song yet: only remembered
    assert loader.loader.tempo_factor == 2.0 and loader.loaded == 0
    loader.loader.load(beats_song(4), wait=True)
    assert loader.transport.duration_seconds == pytest.approx(1.0)
    loader.loader.set_tempo_factor(0.5, wait=True)
    assert loader.transport.duration_seconds == pytest.approx(4.0)
    with pytest.raises(InvalidInput, match=r"between 0\.25 and 4"):
        loader.loader.set_tempo_factor(5)
    assert loader.loader.tempo_factor == 0.5


def test_the_last_of_quick_loads_is_the_one_installed(loader):
    for beats in range(2, 12):
        loader.loader.load(beats_song(beats))
    loader.loader.load(beats_song(16), wait=True)  # 8 s
    assert loader.transport.duration_seconds == pytest.approx(8.0)
    assert 1 <= loader.loaded <= 11  # replaced jobs are cancelled or not installed


def test_a_failed_render_is_reported_and_raised():
    def no_soundfont() -> Synth:
        raise SoundFontError("no SoundFont here")

    failing = Loader(make_synth=no_soundfont)
    try:
        with pytest.raises(SoundFontError, match="no SoundFont here"):
            failing.loader.load(beats_song(2), wait=True)
        assert [str(e) for e in failing.errors] == ["no SoundFont here"]
        assert failing.loaded == 0 and failing.transport.rendered is None
    finally:
        failing.loader.close()


def test_loading_after_close_starts_the_thread_again(loader):
    loader.loader.load(beats_song(2), wait=True)
    loader.loader.close()
    loader.loader.close()  # twice is fine
    loader.loader.load(beats_song(6), wait=True)
    assert loader.transport.duration_seconds == pytest.approx(3.0)


def test_songs_play_as_loud_as_their_export(loader):
    """The loader brings each render to the export loudness, so a quiet melody and a loud
    chord passage play at the same level as their WAVs (−16 LUFS), before the master trim."""
    from studio.audio.loudness import integrated_loudness

    quiet = Song((Track(tuple(Note(72, i * 0.5, 0.5, 50) for i in range(32))),))
    loud = Song((Track(tuple(Note(p, b, 1.0, 120) for b in range(16)
                             for p in (48, 55, 60, 64, 67, 72))),))  # fmt: skip
    levels = []
    for song in (quiet, loud):
        loader.loader.load(song, wait=True)
        levels.append(integrated_loudness(loader.transport.rendered.audio, 44100))
    assert levels == pytest.approx([-16.0, -16.0], abs=0.5)
