"""The window's ideas and generated music in the editor: ``IdeasActions``, mixed into
``MainWindow``.

An idea opens in the editor (one undoable step), plays at once without touching the editor's
song, or joins the song as a new track; two selected ideas morph into in-betweens in the worker.
A regenerate request remembers its bars, and its result replaces the notes of those bars. A song
carries the settings it was generated with (seed, tempo, bars) and the key and chords the editor
shows in a text event of its file (``studio.core.song_settings``): Save writes them, and a song
that carries them shows its key and chords again when it comes back (reopened, undo, redo).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from studio.core.music import Song
from studio.core.song_settings import SongSettings, settings_of, with_settings
from studio.gui import edit_commands as edits
from studio.gui.edit_commands import RollState
from studio.gui.ideas import Idea, with_idea_track

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from studio.gui.generate_panel import GeneratePanel
    from studio.gui.ideas import IdeasList
    from studio.gui.piano_roll import PianoRoll
    from studio.gui.playback import QtPlayback


class IdeasActions:
    """The ideas' actions of ``MainWindow`` (the public ones are part of the automation
    contract), mixed in before its Qt base class.

    They work on the window's ``ideas``, ``piano_roll``, ``playback``, ``generate_panel``,
    ``morph_action`` and ``model_ready``, and keep ``_playing_idea`` (the idea the player
    plays; its row shows ■), ``_morph_ends`` (the two ideas of the latest morph request),
    ``_regenerated_bars`` (the bars of the latest regenerate request) and ``_settings_texts``
    (the text events whose settings the editor shows), all set by ``MainWindow``; they send
    work through its ``_submit``, read the edited track by its ``_melody_notes`` and report
    through its ``_error``.
    """

    ideas: IdeasList
    piano_roll: PianoRoll
    playback: QtPlayback
    generate_panel: GeneratePanel
    morph_action: QAction
    model_ready: bool
    _playing_idea: Idea | None
    _morph_ends: tuple[Idea, ...]
    _regenerated_bars: list[int]
    _settings_texts: tuple[str, ...] | None

    # -- ideas ----------------------------------------------------------------------------------

    def open_idea(self, row: int) -> None:
        """Put an idea in the editor as one undoable step."""
        idea = self.ideas.idea(row)
        self.piano_roll.replace_song(self._idea_song(idea), f"Open {idea.title}")

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
        self.morph_action.setEnabled(self.model_ready and len(self.ideas.selected_rows()) == 2)

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
                                idea.bars)  # fmt: skip
        return with_settings(idea.song, settings)

    # -- generation settings in the file ------------------------------------------------------

    def _song_to_save(self) -> Song:
        """The edited song carrying the settings it was generated with and the key and chords
        the editor shows (a text event in the file: ``studio.core.song_settings``)."""
        song, key = self.piano_roll.song(), self.piano_roll.key()
        settings = settings_of(song) or SongSettings()
        shown = SongSettings(key.name if key is not None else None, self.piano_roll.chords(),
                             settings.seed, settings.tempo, settings.bars)  # fmt: skip
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

    # -- regenerate ------------------------------------------------------------------------------

    def _submit_regenerate(self, request: dict) -> None:
        bars = self.piano_roll.selected_bars()
        if not bars:
            self._error("No bars selected", "Select notes in the bars to generate anew.")
            return
        melody = self._melody_notes()
        self._regenerated_bars = bars
        self._submit("regenerate", {**request, "melody": melody, "bars": bars})

    def _apply_regenerated(self, idea) -> None:
        """Put a regenerated melody in the edited track as one undoable step, with the notes of
        the regenerated bars selected (so Regenerate again redoes the same bars)."""
        bars, notes = set(self._regenerated_bars), idea.notes
        chosen = [i for i, note in enumerate(notes) if int(note.start // 4.0) in bars]  # 4/4 bars
        after = edits.with_notes(self.piano_roll.roll_state(), notes, chosen)
        count = len(bars)
        self.piano_roll.push_edit(f"Regenerate {count} bar{'s' * (count != 1)}", after)
