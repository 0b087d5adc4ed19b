"""The window's ideas and generated music in the editor: ``IdeasActions``, mixed into
``MainWindow``.

An idea opens in the editor (one undoable step), plays at once without touching the editor's
song, or joins the song as a new track; two selected ideas morph into in-betweens in the worker,
and "More like this" asks the worker for variations near one. ♥ and ✕ on an idea, and opening,
adding, dragging out or exporting it (keeping it), are stored for the current profile by the
library side (``LibraryController.record_idea``); a ranked Generate learns from them, and the
status bar says when it did.
Continue and Regenerate work in the edited song's meter (``song_meter``). A regenerate request
remembers its bars — the generator's units of that meter (``unit_beats``) — and its result
replaces the notes of those bars; it asks for the chords the roll shows when the panel leaves
the chords open, and for the song's phrase form when the song knows it, so the new bars fit the
chords shown and the later repeats of a regenerated bar follow it.

A song carries the settings it was generated with (seed, tempo, bars, meter, form) and the key
and chords the editor shows in a text event of its file (``studio.core.song_settings``): Save
writes them, and a song that carries them shows its key and chords again when it comes back
(reopened, undo, redo); a reopened file shows its meter and form in the Generate panel too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from studio.core.errors import InvalidInput
from studio.core.forms import is_form
from studio.core.music import Song, TimeSignature
from studio.core.song_settings import SongSettings, settings_of, with_settings
from studio.core.theory import Chord
from studio.gui import edit_commands as edits
from studio.gui.edit_commands import RollState
from studio.gui.generate_panel import METERS
from studio.gui.ideas import Idea, with_idea_track

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from studio.gui.generate_panel import GeneratePanel
    from studio.gui.ideas import IdeasList
    from studio.gui.library_controller import LibraryController
    from studio.gui.piano_roll import PianoRoll
    from studio.gui.playback import QtPlayback


def song_meter(song: Song) -> str:
    """The meter to generate in for ``song``: its first time signature when it is one the
    generator knows ("4/4", "2/4", "3/4", "6/8"), else "4/4"."""
    meter = str(song.time_signature)
    return meter if meter in METERS else "4/4"


def unit_beats(meter: str) -> float:
    """Beats (quarter notes) in one of the generator's units of ``meter`` — what the bars of a
    regenerate request count: a pair of 2/4 bars, else one bar (4/4: 4, 3/4 and 6/8: 3)."""
    bar = TimeSignature.parse(meter).beats_per_bar
    return 2 * bar if meter == "2/4" else bar


def request_chords(names: Sequence[str]) -> tuple[Chord, ...]:
    """Chord labels (the roll's, one per bar) as the chords of a request, one per bar: a bar
    without a readable chord holds the one before it (the first chord, at the start); ``()``
    when there is none."""
    parsed: list[Chord | None] = []
    for name in names:
        try:
            parsed.append(Chord.parse(name))
        except InvalidInput:
            parsed.append(None)
    known = [chord for chord in parsed if chord is not None]
    if not known:
        return ()
    chords, held = [], known[0]
    for chord in parsed:
        held = chord if chord is not None else held
        chords.append(held)
    return tuple(chords)


class IdeasActions:
    """The ideas' actions of ``MainWindow`` (the public ones are part of the automation
    contract), mixed in before its Qt base class.

    They work on the window's ``ideas``, ``piano_roll``, ``playback``, ``generate_panel``,
    ``morph_action``, ``library`` and ``model_ready``, and keep ``_playing_idea`` (the idea the
    player plays; its row shows ■), ``_morph_ends`` (the two ideas of the latest morph
    request), ``_more_like_origin`` (the idea of the latest "More like this"),
    ``_regenerated_bars`` (the bars of the latest regenerate request, in units of
    ``_regenerated_unit`` beats) and ``_settings_texts``
    (the text events whose settings the editor shows), all set by ``MainWindow``; they send
    work through its ``_submit``, read the edited track by its ``_melody_notes`` and report
    through its ``_error``.
    """

    ideas: IdeasList
    piano_roll: PianoRoll
    playback: QtPlayback
    generate_panel: GeneratePanel
    morph_action: QAction
    more_like_action: QAction
    library: LibraryController
    model_ready: bool
    _playing_idea: Idea | None
    _morph_ends: tuple[Idea, ...]
    _more_like_origin: Idea | None
    _regenerated_bars: list[int]
    _regenerated_unit: float = 4.0  # beats in a unit of the latest regenerate request's meter
    _settings_texts: tuple[str, ...] | None

    # -- ideas ----------------------------------------------------------------------------------

    def open_idea(self, row: int, *, kept: bool = True) -> None:
        """Put an idea in the editor as one undoable step; ``kept``: the user chose it (it
        counts as keeping the idea, for Generate's ranking)."""
        idea = self.ideas.idea(row)
        self.piano_roll.replace_song(self._idea_song(idea), f"Open {idea.title}")
        self.library.editor_track, self.library.editor_idea = None, idea.melody
        if kept:
            self.library.record_idea(idea.melody, "open")

    def play_idea(self, row: int) -> None:
        """Hear an idea at once; the editor's song is not touched."""
        self.playback.load(self.ideas.idea(row).song)
        self.playback.clear_loop()  # the editor's loop region is not the idea's
        self.playback.play_from(0.0)
        self._playing_idea = self.ideas.idea(row)
        self.ideas.set_playing(self._playing_idea if self.playback.available else None)

    def add_idea_as_track(self, row: int) -> None:
        """Add an idea's melody to the editor's song as a new track ("Idea 2", a program of its
        own), one undoable step; the new track becomes the edited one (the others show as ghost
        notes), so it can be shaped to fit at once."""
        idea = self.ideas.idea(row)
        song, index = with_idea_track(self.piano_roll.song(), idea)
        self.piano_roll.push_edit(f"Add {idea.name} as a track", RollState(song, index))
        self.library.record_idea(idea.melody, "add")

    def more_like_idea(self, row: int | None = None, distance: float | None = None) -> int | None:
        """ "More like this" (M, or the ideas' context menu): variations near an idea (the
        current one by default) in the worker, as many as the panel's variations, ``distance``
        (0–1) of the way to fresh notes (None: the generator's default); the list then shows
        the idea and its variations. Returns the request id; None unless the model is ready
        and there is such an idea."""
        row = self.ideas.currentRow() if row is None else row
        if not self.model_ready or not 0 <= row < self.ideas.count():
            return None
        idea = self.ideas.idea(row)
        self._more_like_origin = idea
        count = self.generate_panel.variations_spin.value()
        return self._submit(
            "more_like",
            {
                "melody": idea.melody,
                "count": count,
                "distance": distance,
                "title": idea.name,
                "seed": self._next_seed(),
                "profile": self.library.profiles.current() or None,
            },
        )

    def _next_seed(self) -> int:
        """A seed for "More like this": a new one each time, as Generate rolls it, unless the
        panel's seed is locked (then the same variations come again)."""
        if not self.generate_panel.seed_locked:
            self.generate_panel.roll_seed()
        return int(self.generate_panel.seed_spin.value())

    def _react_to_idea(self, row: int, kind: str, on: bool) -> None:
        """♥ or ✕ on an idea's card (``on`` False: taken back), stored for the profile."""
        self.library.record_idea(self.ideas.idea(row).melody, kind, on=on)

    def _ideas_dragged(self, rows: list) -> None:
        """Ideas dragged out as MIDI files are exported: that keeps them."""
        for row in rows:
            self.library.record_idea(self.ideas.idea(row).melody, "export")

    def _say_ranking(self, page) -> None:
        """After Generate: say in the status bar when the profile's taste ranked the ideas
        (or why it could not)."""
        kept = page.kept_ideas
        if kept:
            who = self.library.profiles.current() or "you"
            self.statusBar().showMessage(
                f"{len(page)} ideas picked for {who} from {page.considered}, by the "
                f"{kept} idea{'s' * (kept != 1)} kept so far (Preferences ▸ New melodies "
                "turns this off)", 10_000)  # fmt: skip
        elif page.problem:
            self.statusBar().showMessage(f"ideas not ranked: {page.problem}", 10_000)

    def morph_ideas(self) -> int | None:
        """Morph the two selected ideas in the worker (Generate ▸ Morph Two Ideas): as many
        in-betweens as the panel's variations fill the ideas list, between the two ends.
        Returns the request id; None unless the model is ready and exactly two are selected."""
        rows = self.ideas.selected_rows()
        if len(rows) != 2 or not self.model_ready:
            return None
        self._morph_ends = tuple(self.ideas.idea(row) for row in rows)
        start, end = self._morph_ends
        count = self.generate_panel.variations_spin.value()
        return self._submit("morph", {"start": start.melody, "end": end.melody, "count": count})

    def _update_morph_action(self) -> None:
        """Morph needs two selected ideas, More Like This one current idea (and the model)."""
        self.morph_action.setEnabled(self.model_ready and len(self.ideas.selected_rows()) == 2)
        self.more_like_action.setEnabled(self.model_ready and self.ideas.currentRow() >= 0)

    def _show_idea_playing(self, state) -> None:
        self.ideas.set_playing(self._playing_idea if state.playing else None)

    def _forget_idea_playing(self) -> None:
        """The player has the editor's song now (Space, or an edit): no idea plays."""
        self._playing_idea = None
        self.ideas.set_playing(None)

    @staticmethod
    def _idea_song(idea) -> Song:
        """An idea's song carrying its generation settings (so Save keeps them)."""
        settings = SongSettings(idea.key_name, tuple(idea.chords), idea.seed, idea.song.tempo,
                                idea.bars, idea.meter, idea.form)  # fmt: skip
        return with_settings(idea.song, settings)

    # -- generation settings in the file ------------------------------------------------------

    def _song_to_save(self) -> Song:
        """The edited song carrying the settings it was generated with and the key and chords
        the editor shows (a text event in the file: ``studio.core.song_settings``)."""
        song, key = self.piano_roll.song(), self.piano_roll.key()
        settings = settings_of(song) or SongSettings()
        shown = replace(settings, key=key.name if key is not None else None,
                        chords=self.piano_roll.chords())  # fmt: skip
        return with_settings(song, shown)

    def _show_song_settings(self, song: Song) -> None:
        """Show the key and chords of a song that carries generation settings (a reopened
        idea; undo or redo of Open idea). Edits keep the song's texts, so they change nothing."""
        if song.text_events is self._settings_texts:
            return
        self._settings_texts = song.text_events
        settings = settings_of(song)
        if settings is not None:
            self.piano_roll.set_key(settings.parsed_key())
            self.piano_roll.set_chords(settings.chords)

    def _show_saved_generation(self, song: Song) -> None:
        """Show the meter and form a reopened file was generated in, in the Generate panel
        (opening an idea from the list leaves the panel's choices alone)."""
        settings = settings_of(song)
        if settings is not None:
            self.generate_panel.show_generation(settings.meter, settings.form)

    # -- requests about the edited song ----------------------------------------------------------

    def _in_song_meter(self, request: dict) -> dict:
        """``request`` (the panel's) asking for the edited song's meter (Continue, Regenerate:
        the new bars must fit the song's bars)."""
        meter = song_meter(self.piano_roll.song())
        return {**request, "settings": {**request["settings"], "meter": meter}}

    def _song_form(self) -> str | None:
        """The phrase form the edited song was generated in, when it says so and the song is
        not a continuation (whose form covers only its new bars); else None."""
        song = self.piano_roll.song()
        settings = settings_of(song)
        if settings is None or settings.form is None or not is_form(settings.form):
            return None
        return settings.form if settings.meter in (None, song_meter(song)) else None

    # -- regenerate ------------------------------------------------------------------------------

    def _submit_regenerate(self, request: dict) -> None:
        """Regenerate the bars (units of the song's meter) in which selected notes sound, in
        the song's meter, over the roll's chords unless the panel names chords, keeping the
        song's form when it is known."""
        state = self.piano_roll.roll_state()
        request = self._in_song_meter(request)
        settings = request["settings"]
        unit = unit_beats(settings["meter"])
        bars = edits.bars_of((state.notes[i] for i in state.selection), unit)
        if not bars:
            self._error("No bars selected", "Select notes in the bars to generate anew.")
            return
        if not settings["chords"]:  # the chords shown, so the new bars fit them
            settings["chords"] = request_chords(self.piano_roll.chords())
        settings["form"] = self._song_form()
        melody = self._melody_notes()
        self._regenerated_bars = bars
        self._regenerated_unit = unit
        self._submit("regenerate", {**request, "melody": melody, "bars": bars})

    def _apply_regenerated(self, idea) -> None:
        """Put a regenerated melody in the edited track as one undoable step, with the notes of
        the regenerated bars selected (so Regenerate again redoes the same bars)."""
        bars, notes = set(self._regenerated_bars), idea.notes
        unit = self._regenerated_unit
        chosen = [i for i, note in enumerate(notes) if int(note.start // unit) in bars]
        after = edits.with_notes(self.piano_roll.roll_state(), notes, chosen)
        count = len(bars) * (2 if idea.meter == "2/4" else 1)  # a 2/4 unit is two bars
        self.piano_roll.push_edit(f"Regenerate {count} bar{'s' * (count != 1)}", after)
