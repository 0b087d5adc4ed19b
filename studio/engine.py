"""The engine: the one front door that the window and the command line share.

An ``Engine`` is built from the settings (or explicit paths, for tests). It owns the library
file and, loaded on first use, the melody generator, the embedder, and the similarity and
recommendation services; it offers everything the app does — generate, index, similar tracks,
recommendations, feedback, profiles, render and export — so no window or command re-implements
any of it. Commands are argument parsing, one engine call and printing.

**Threads.** One engine lives on one thread: it is not thread-safe, and its SQLite connection may
only be used on the thread that opened it (SQLite's rule; another thread gets
``sqlite3.ProgrammingError``). Nothing opens before first use, so the window builds its engine on
the main thread and hands it to its worker thread, which from then on is the only one to call
it; the command line has one per command. Long calls take a ``progress(done, total, message)``
callback and a ``CancelToken``, so the window's progress bars and the CLI's share one code path.

Importing this module is cheap (no torch, no numpy models): each model loads when first used.
"""

from __future__ import annotations

import numbers
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from studio.core.errors import InvalidInput, ModelFileError
from studio.core.progress import CancelToken, ProgressCallback, no_progress
from studio.core.resources import AUTOENCODER_WEIGHTS, DEMO_LIBRARY
from studio.settings import EXPORT_LOUDNESS, load_settings, set_setting

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Sequence

    from studio.audio.loudness import LoudnessReport
    from studio.audio.render import Rendering
    from studio.core.music import Note, Song
    from studio.generation.generator import GeneratedMelody, GenerationSettings, MelodyGenerator
    from studio.library.catalog import Catalog, CatalogTrack
    from studio.library.feedback import FeedbackEvent
    from studio.library.idea_reactions import IdeaReaction
    from studio.library.indexer import IndexSummary
    from studio.library.ranked import RankedTrack
    from studio.library.table import LibraryRows
    from studio.recommend.service import RecommendService
    from studio.similarity.embedder import Embedder
    from studio.similarity.service import SimilarityService, SimilarResult


MAX_IDEA_CANDIDATES = 64
"""The most candidates one ranked Generate makes (the generator's most variations a request)."""


@dataclass
class IdeaBatch:
    """What ``Engine.generate_ideas`` made: the ``melodies`` to show, in order; per melody the
    ``reasons`` it was ranked there ("higher, sparser"; "" when unranked) and whether it was
    ``ranked`` (False for the unranked ones a ranked page keeps to explore); how many
    candidates were ``considered``, and how many kept ideas the taste learned from
    (``kept_ideas``; 0: not ranked); ``problem``: why ranking was asked for but not done (the
    library could not be read), else ""."""

    melodies: list[GeneratedMelody]
    reasons: list[str]
    ranked: list[bool]
    considered: int
    kept_ideas: int
    problem: str = ""


def _request_json(melody: GeneratedMelody) -> dict:
    """The request a melody was made with, as plain JSON values (stored with a reaction)."""
    settings = melody.settings
    key = settings.key
    return {
        "key": key.name, "meter": settings.meter, "bars": settings.bars,
        "tempo": settings.tempo, "form": melody.form, "density": settings.density,
        "temperature": settings.temperature, "low": settings.low, "high": settings.high,
        "key_lock": settings.key_lock, "chords": [chord.name_in(key) for chord in melody.chords],
        "like": list(melody.like) if melody.like is not None else None,
    }  # fmt: skip


@dataclass
class LibraryPreparation:
    """What ``Engine.prepare_library`` did: the demo indexed into an empty library, tracks
    embedded for the current model, or why there is no model to embed with (similar tracks
    are off)."""

    demo_indexed: IndexSummary | None = None
    embedded: IndexSummary | None = None
    model_problem: str | None = None


class Engine:
    """The app's services over one library file (see the module docstring)."""

    def __init__(
        self,
        *,
        db_path: str | os.PathLike | None = None,
        gan_weights: str | os.PathLike | None = None,
        autoencoder_weights: str | os.PathLike | None = None,
        settings: dict | None = None,
    ) -> None:
        """``db_path``: the library file (default: in the user data folder); the weights: the
        models (default: the shipped ones); ``settings``: the values of ``studio.settings``
        (default: the user's settings file)."""
        from studio.library.catalog import default_db_path

        self.settings = settings if settings is not None else load_settings()[0]
        self.db_path = Path(db_path) if db_path else default_db_path()
        self._gan_weights = gan_weights
        self._autoencoder_weights = autoencoder_weights
        self._catalog: Catalog | None = None
        self._generator: MelodyGenerator | None = None
        self._embedder: Embedder | None = None
        self._similarity: SimilarityService | None = None
        self._recommend: RecommendService | None = None
        self._rows: LibraryRows | None = None  # the last library_rows, lent to the next

    # -- lifetime -----------------------------------------------------------------------------

    def close(self) -> None:
        """Close the library file (the models stay loaded)."""
        if self._catalog is not None:
            self._catalog.close()
        self._catalog = self._similarity = self._recommend = self._rows = None

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def catalog(self) -> Catalog:
        """The library, opened (and created when new) on first use."""
        if self._catalog is None:
            from studio.library.catalog import Catalog

            self._catalog = Catalog(self.db_path)
        return self._catalog

    def require_library(self) -> Catalog:
        """The library, which must exist already (for feedback and profiles)."""
        if self._catalog is None and not self.db_path.is_file():
            raise InvalidInput(
                f"no library at {self.db_path}: run `studio index` first, or pass --db"
            )
        return self.catalog

    # -- models -------------------------------------------------------------------------------

    @property
    def generator(self) -> MelodyGenerator:
        """The melody GAN (loads torch on first use)."""
        if self._generator is None:
            from studio.generation.generator import MelodyGenerator

            self._generator = MelodyGenerator(self._gan_weights)
        return self._generator

    @property
    def embedder(self) -> Embedder:
        """The autoencoder that turns songs into vectors (numpy; ``ModelFileError`` if absent)."""
        if self._embedder is None:
            from studio.similarity.embedder import Embedder

            self._embedder = Embedder(self._autoencoder_weights)
        return self._embedder

    def similar_model_problem(self) -> str | None:
        """Why similar tracks and "for you" are off — the model is missing or damaged (a
        ``ModelFileError``'s sentence) — or None when it loads."""
        try:
            self.embedder  # noqa: B018 (loads it)
        except ModelFileError as error:
            return str(error)
        return None

    def _indexing_embedder(self) -> Embedder | None:
        """The embedder for indexing, or None when no model is installed or it cannot load
        (catalogue only; ``similar_model_problem`` says why)."""
        if self._autoencoder_weights is None and not AUTOENCODER_WEIGHTS.is_file():
            return None
        return None if self.similar_model_problem() else self.embedder

    @property
    def similarity(self) -> SimilarityService:
        """The "similar tracks" service over the library."""
        if self._similarity is None:
            from studio.similarity.service import SimilarityService

            self._similarity = SimilarityService(self.catalog, self.embedder)
        return self._similarity

    @property
    def recommendations(self) -> RecommendService:
        """The "for you" service over the library (keeps each profile's taste model)."""
        if self._recommend is None:
            from studio.recommend.service import RecommendService
            from studio.similarity.spread import library_spread

            version = self.embedder.model_version
            spread = library_spread(getattr(self.embedder, "path", None), version)
            self._recommend = RecommendService(self.catalog, version, spread)
        return self._recommend

    # -- generation ---------------------------------------------------------------------------

    def generate(
        self,
        settings: GenerationSettings,
        count: int = 1,
        seed: int = 0,
        *,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
        mood: tuple[float, float] | None = None,
        keep: frozenset[str] = frozenset(),
    ) -> list[GeneratedMelody]:
        """``count`` new melodies; variation ``i`` is what seed ``seed + i`` gives alone.
        ``progress`` follows the bars; ``cancel`` stops between two bars (``Cancelled``).

        ``mood`` (valence, arousal; ``core.mood``) aims every variation at that point of the
        mood map: each gets the mode, density, tempo and range of a condition measured to sound
        so (``generation.mood_aim``), except what ``keep`` names ("mode", "density", "tempo",
        "range": what the user set)."""
        if mood is None:
            return self.generator.generate(settings, count, seed, progress=progress, cancel=cancel)
        from studio.generation.mood_aim import aim

        melodies = []
        for i in range(count):
            aimed = aim(settings, *mood, seed + i, keep=keep)
            melodies += self.generator.generate(aimed, 1, seed + i, cancel=cancel)
            progress(i + 1, count, "")
        return melodies

    def continue_melody(
        self,
        primer: Sequence[Note],
        settings: GenerationSettings,
        count: int = 1,
        seed: int = 0,
        *,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
    ) -> list[GeneratedMelody]:
        """``count`` continuations of the melody ``primer`` (its bars are kept); ``progress``
        and ``cancel`` as for ``generate``."""
        return self.generator.continue_melody(
            primer, settings, count, seed, progress=progress, cancel=cancel
        )

    def regenerate_bars(
        self,
        melody: Sequence[Note],
        bars: Collection[int],
        settings: GenerationSettings,
        seed: int = 0,
    ) -> GeneratedMelody:
        """``melody`` with the chosen bars (0-based) generated anew, every other bar kept."""
        return self.generator.regenerate_bars(melody, bars, settings, seed)

    def morph(
        self, start: GeneratedMelody, end: GeneratedMelody, steps: int = 5
    ) -> list[GeneratedMelody]:
        """``steps`` melodies between two generated ones of the same length."""
        return self.generator.morph(start, end, steps)

    def generation_settings(self, **fields: object) -> GenerationSettings:
        """A generation request from plain values (``GenerationSettings``' fields), for callers
        that must not import the generation package (the window); ``InvalidInput`` if a value
        is out of range. Loads the generation code (and torch): call it on the worker thread."""
        from studio.generation.generator import GenerationSettings

        return GenerationSettings(**fields)

    def idea_song(self, melody: GeneratedMelody, *, title: str = "") -> Song:
        """A generated melody as a song (melody track, tempo, key signature) for the editor."""
        from studio.generation.generator import melody_song

        return melody_song(melody, title=title)

    # -- ideas that learn from you -------------------------------------------------------------

    def generate_ideas(
        self,
        settings: GenerationSettings,
        count: int = 1,
        seed: int = 0,
        *,
        rank: bool = True,
        profile: str | None = None,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
        mood: tuple[float, float] | None = None,
        keep: frozenset[str] = frozenset(),
    ) -> IdeaBatch:
        """``count`` ideas for ``profile`` (default: the current one): with ``rank`` and once
        the profile kept an idea, ``OVERGENERATE`` times as many candidates are made (seeds
        ``seed``, ``seed + 1``, …, each alone giving its melody again) and the profile's taste
        (``recommend.idea_taste``) picks which to show, best first, a few unranked ones last;
        otherwise exactly what ``generate`` gives. ``progress``, ``cancel``, ``mood`` and
        ``keep`` as for ``generate``. A library that cannot be read (busy, damaged) leaves the
        ideas unranked, with the reason in ``IdeaBatch.problem``: it never stops Generate."""
        from studio.library.catalog import CatalogError
        from studio.recommend.idea_taste import OVERGENERATE, rank_ideas

        kept, rejected, problem = [], [], ""
        if rank:
            try:
                kept, rejected = self._idea_taste_examples(profile)
            except CatalogError as error:
                problem = str(error)
        made = min(count * OVERGENERATE, MAX_IDEA_CANDIDATES) if kept else count
        melodies = self.generate(settings, made, seed, progress=progress, cancel=cancel,
                                 mood=mood, keep=keep)  # fmt: skip
        if not kept:
            unranked = [False] * len(melodies)
            return IdeaBatch(melodies, [""] * len(melodies), unranked, made, 0, problem)
        from studio.generation.idea_reading import melody_inputs

        page = rank_ideas([melody_inputs(m) for m in melodies], kept, rejected, count)
        chosen = [melodies[row] for row in page.rows]
        return IdeaBatch(chosen, page.reasons, page.ranked, len(melodies), len(kept))

    def more_like(
        self, melody: GeneratedMelody, count: int = 4, distance: float | None = None,
        seed: int = 0,
    ) -> list[GeneratedMelody]:  # fmt: skip
        """``count`` ideas like ``melody`` ("More like this"): the same settings, form and
        chords from latent noise ``distance`` (0–1; default ``VARY_DISTANCE``) of the way to
        fresh noise (``MelodyGenerator.vary``)."""
        from studio.generation.generator import VARY_DISTANCE

        distance = VARY_DISTANCE if distance is None else distance
        return self.generator.vary(melody, count, distance, seed)

    def record_idea(
        self, melody: GeneratedMelody, kind: str, *, profile: str | None = None,
        at: float | None = None,
    ) -> IdeaReaction:  # fmt: skip
        """Store ``profile``'s (default: the current one's) reaction ``kind`` to an idea
        ("like", "dislike"; "open", "export" and "add" keep it), which happened at ``at``
        (seconds since the epoch; default: now): its features, settings, noise and mood go
        with it, for the taste that ranks later ideas."""
        from studio.core.idea_features import FEATURE_VERSION, NAMES
        from studio.generation.idea_reading import melody_features, melody_id
        from studio.library.idea_reactions import record_idea

        features = melody_features(melody)
        return record_idea(
            self.catalog, profile=profile or self.current_profile, idea=melody_id(melody),
            kind=kind, features=features, feature_version=FEATURE_VERSION,
            settings=_request_json(melody), seed=int(melody.seed),
            latents=melody.latents, valence=float(features[NAMES.index("valence")]),
            arousal=float(features[NAMES.index("arousal")]), at=at,
        )  # fmt: skip

    def withdraw_idea(
        self, melody: GeneratedMelody, kind: str, *, profile: str | None = None
    ) -> int:
        """Take back ``profile``'s ♥ ("like") or ✕ ("dislike") of an idea; returns how many
        reactions went (0 when there was none)."""
        from studio.generation.idea_reading import melody_id
        from studio.library.idea_reactions import withdraw_idea

        return withdraw_idea(self.catalog, profile=profile or self.current_profile,
                             idea=melody_id(melody), kind=kind)  # fmt: skip

    def idea_marks(
        self, melodies: Sequence[GeneratedMelody], *, profile: str | None = None
    ) -> list[str | None]:
        """Per melody, "like" or "dislike" when ``profile`` (default: the current one) marked
        it so, else None (what the idea cards show)."""
        from studio.generation.idea_reading import melody_id
        from studio.library.idea_reactions import idea_marks

        ids = [melody_id(melody) for melody in melodies]
        marks = idea_marks(self.catalog, profile or self.current_profile, ids)
        return [marks.get(idea) for idea in ids]

    def _idea_taste_examples(self, profile: str | None) -> tuple[list, list]:
        """The inputs of the ideas ``profile`` kept and rejected (newest ``MAX_REACTIONS``;
        one verdict per idea: a ✕ outweighs any keep); nothing without a library."""
        if self._catalog is None and not self.db_path.is_file():
            return [], []
        from studio.core.idea_features import FEATURE_VERSION, idea_inputs
        from studio.library.idea_reactions import idea_reactions
        from studio.recommend.idea_taste import MAX_REACTIONS

        found = idea_reactions(self.catalog, profile or self.current_profile,
                               feature_version=FEATURE_VERSION, limit=MAX_REACTIONS)  # fmt: skip
        inputs, disliked = {}, set()
        for reaction in found:  # every kind but "dislike" keeps
            noise_dim = 0 if reaction.latents is None else reaction.latents.shape[-1]
            inputs[reaction.idea] = idea_inputs(reaction.features, reaction.latents, noise_dim)
            if reaction.kind == "dislike":
                disliked.add(reaction.idea)
        kept = [found for idea, found in inputs.items() if idea not in disliked]
        rejected = [inputs[idea] for idea in disliked]
        return kept, rejected

    # -- library ------------------------------------------------------------------------------

    def index(
        self,
        folders: Sequence[str | os.PathLike],
        *,
        files: Sequence[str | os.PathLike] = (),
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
    ) -> IndexSummary:
        """Add the MIDI files under ``folders`` (and the MIDI ``files`` themselves, say dropped
        on the window) to the library (incremental; see the indexer), embedding them with the
        current model when one is installed."""
        from studio.core.midi_read import MIDI_SUFFIXES
        from studio.library.indexer import index_folders

        for folder in folders:
            if not Path(folder).is_dir():
                raise InvalidInput(f"not a folder: {folder}")
        for file in files:
            if not Path(file).is_file() or Path(file).suffix.lower() not in MIDI_SUFFIXES:
                raise InvalidInput(f"not a MIDI file: {file}")
        return index_folders(
            self.catalog,
            [*folders, *files],
            embedder=self._indexing_embedder(),
            progress=progress,
            cancel=cancel,
        )

    def prepare_library(
        self, *, progress: ProgressCallback = no_progress, cancel: CancelToken | None = None
    ) -> LibraryPreparation:
        """Make the library searchable: on first use (an empty library) index the demo
        library; then embed the tracks that have no vectors from the current model. When the
        model is missing or damaged the tracks are only catalogued (``model_problem`` says
        why)."""
        problem = self.similar_model_problem()
        demo = self.index_demo_if_empty(progress=progress, cancel=cancel)
        done = LibraryPreparation(demo, model_problem=problem)
        if problem is None and (cancel is None or not cancel.cancelled):
            done.embedded = self.embed_missing(progress=progress, cancel=cancel)
        return done

    def index_demo_if_empty(
        self, *, progress: ProgressCallback = no_progress, cancel: CancelToken | None = None
    ) -> IndexSummary | None:
        """Index the demo library that ships with the app when the library is empty."""
        from studio.library.indexer import index_folders

        if not self.library_is_empty() or not DEMO_LIBRARY.is_dir():
            return None
        embedder = self._indexing_embedder()
        return index_folders(
            self.catalog, [DEMO_LIBRARY], embedder=embedder, progress=progress, cancel=cancel
        )

    def tracks_without_vectors(self) -> int:
        """How many library tracks have no vectors from the current model yet."""
        return len(self.catalog.paths_without_embedding(self.embedder.model_version))

    def embed_missing(
        self, *, progress: ProgressCallback = no_progress, cancel: CancelToken | None = None
    ) -> IndexSummary | None:
        """Embed the tracks that lack vectors from the current model (indexed without one, or
        before a model update); ``None`` when there were none."""
        from studio.library.indexer import embed_missing

        if self.tracks_without_vectors() == 0:
            return None
        return embed_missing(self.catalog, self.embedder, progress=progress, cancel=cancel)

    def library_counts(self) -> dict[str, int]:
        """Tracks in the library by status ('ok', 'error', 'missing') and in all ('total')."""
        return self.catalog.counts()

    def library_is_empty(self) -> bool:
        """Whether the library holds no track at all (the first run)."""
        return self.catalog.counts()["total"] == 0

    def track(self, track_id: int) -> CatalogTrack | None:
        """One library track by id."""
        return self.catalog.get(track_id)

    def resolve_track(self, query: str, *, hint: str = "run `studio index` on its folder") -> int:
        """The track id a user means by ``query``: a MIDI file in the library (by path, else by
        content) or a track id. ``hint`` ends the message for a file the library lacks."""
        if os.path.lexists(query):
            try:
                track = self.catalog.find_file(query)
            except OSError as error:
                raise InvalidInput(f"cannot read {query}: {error.strerror or error}") from None
            if track is None:
                raise InvalidInput(f"{query} is not in the library: {hint}")
            return track.id
        if query.isascii() and query.isdigit():
            return int(query)
        raise InvalidInput(f"{query} is neither a MIDI file nor a track id")

    def library_rows(self, profile: str | None = None) -> LibraryRows:
        """Every library track as table columns with the reactions and plays of ``profile``
        (default: the current one); reuses the last call's track columns when only feedback
        changed (milliseconds instead of tenths of a second for 100,000 tracks)."""
        from studio.library.table import library_rows

        profile = profile or self.current_profile
        self._rows = library_rows(self.catalog, profile, previous=self._rows)
        return self._rows

    def library_version(self) -> tuple:
        """A cheap value that changes whenever tracks, vectors, feedback or profiles change,
        from any process (another ``studio`` command too): poll it to refresh the library."""
        from studio.library.table import library_version

        return library_version(self.catalog)

    def remove_tracks(self, track_ids: Iterable[int]) -> int:
        """Drop tracks from the library, with their vectors and feedback; their files are
        never touched (a rescan of their folder adds them again). Returns how many went."""
        ids = list(track_ids)
        if any(isinstance(i, bool) or not isinstance(i, numbers.Integral) for i in ids):
            raise InvalidInput(f"track ids are whole numbers, not {ids!r}")
        return self.catalog.remove_tracks(ids)

    def rescan(
        self, *, progress: ProgressCallback = no_progress, cancel: CancelToken | None = None
    ) -> IndexSummary:
        """Index again the folders the library's tracks came from: new and changed files are
        read, vanished ones marked missing (``studio.library.track_files.rescan``)."""
        from studio.library.track_files import rescan

        return rescan(
            self.catalog, embedder=self._indexing_embedder(), progress=progress, cancel=cancel
        )

    def track_song(self, track_id: int) -> Song:
        """A library track's MIDI file as a song (to play or open it); ``InvalidInput`` in
        words for an unknown track or a vanished file (which is then marked missing)."""
        from studio.library.track_files import read_track_song

        return read_track_song(self.catalog, track_id)

    # -- similar tracks and recommendations --------------------------------------------------

    def similar_to(
        self, query: str | os.PathLike | int | Song, *, top: int = 10, mode: str = "auto"
    ) -> SimilarResult:
        """Library tracks like ``query``: a track id, a MIDI file (in the library or not) or a
        song in memory (the melody in the editor). ``mode``: auto, track or passage."""
        from studio.core.music import Song

        service = self.similarity
        if isinstance(query, Song):
            return service.similar_to_song(query, top=top, mode=mode)
        if isinstance(query, int):
            if mode == "passage":
                raise InvalidInput("--mode passage needs a FILE query (a track compares whole)")
            return service.similar_to_track(query, top=top)
        return service.similar_to_file(query, top=top, mode=mode)

    def recommend(
        self,
        profile: str | None = None,
        *,
        top: int = 10,
        seed_track: int | None = None,
        content_only: bool = False,
    ) -> list[RankedTrack]:
        """Recommendations for ``profile`` (default: the current one), optionally "like
        ``seed_track``, for you"."""
        if seed_track is not None and self.catalog.get(seed_track) is None:
            raise InvalidInput(f"no track with id {seed_track} in the library")
        return self.recommendations.recommend(
            profile or self.current_profile,
            top=top,
            seed_track=seed_track,
            content_only=content_only,
        )

    def record_feedback(
        self,
        track: int | str,
        kind: str,
        *,
        value: float | None = None,
        profile: str | None = None,
        at: float | None = None,
    ) -> FeedbackEvent:
        """Store one feedback event (like, dislike, play, skip, added, exported) about a track
        (an id, or what ``resolve_track`` understands) for ``profile`` (default: the current
        one), that happened ``at`` (seconds since the epoch; default: now); the profile's taste
        model learns from it at once when it is loaded."""
        from studio.library import feedback

        feedback.check_value(kind, value)  # a bad kind or value fails before the library opens
        self.require_library()
        track_id = track if isinstance(track, int) else self.resolve_track(track)
        profile = profile or self.current_profile
        if self._recommend is not None:
            return self._recommend.record_feedback(track_id, kind, profile=profile, value=value,
                                                   at=at)  # fmt: skip
        return feedback.record(self.catalog, track_id, kind, profile=profile, value=value, at=at)

    # -- profiles -----------------------------------------------------------------------------

    @property
    def current_profile(self) -> str:
        """The listening profile that feedback and recommendations use by default."""
        return self.settings["profile"]

    def profiles(self) -> dict[str, int]:
        """Every profile of the library with its number of feedback events."""
        from studio.library.feedback import event_counts

        return event_counts(self.require_library())

    def create_profile(self, name: str) -> str:
        """Add a profile; returns its name as stored."""
        from studio.library.feedback import create_profile

        return create_profile(self.require_library(), name)

    def use_profile(self, name: str) -> None:
        """Make ``name`` the current profile (a setting, kept across runs)."""
        from studio.library.feedback import profile_names

        known = profile_names(self.require_library())
        if name not in known:
            raise InvalidInput(
                f"unknown profile {name!r} (known: {', '.join(known)}); "
                f"create it with `studio profile create {name}`"
            )
        self.settings["profile"] = set_setting("profile", name)

    def events_to_forget(self, name: str, *, delete: bool = False) -> int:
        """How many feedback events and idea reactions ``forget_profile(name, delete=delete)``
        would remove (``InvalidInput`` for an unknown profile, or for deleting the default
        one)."""
        from studio.library.feedback import DEFAULT_PROFILE, summary

        if delete and name == DEFAULT_PROFILE:
            raise InvalidInput(
                f"the {DEFAULT_PROFILE!r} profile cannot be deleted (forget it without --delete)"
            )
        found = summary(self.require_library(), name)
        return found["events"] + sum(found["ideas"]["counts"].values())

    def forget_profile(self, name: str, *, delete: bool = False) -> int:
        """Delete every feedback event and idea reaction of ``name`` (and with ``delete`` the
        profile too, which then stops being current); returns how many were removed."""
        from studio.library.feedback import forget_profile

        self.events_to_forget(name, delete=delete)
        removed = forget_profile(self.require_library(), name, delete=delete)
        if delete and self.current_profile == name:
            self.settings["profile"] = set_setting("profile", None)
        self._recommend = None  # its taste models learnt from the forgotten events
        return removed

    # -- files --------------------------------------------------------------------------------

    def export_midi(self, song: Song, path: str | os.PathLike) -> None:
        """Write ``song`` as a type-1 MIDI file (atomically: a crash never leaves half a file)."""
        from studio.core.midi_write import write_midi

        write_midi(song, path)

    def render(
        self,
        song: Song,
        *,
        soundfont: str | os.PathLike | None = None,
        sample_rate: int | None = None,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
        on_warning: Callable[[str], None] | None = None,
    ) -> Rendering:
        """``song`` as stereo audio through the SoundFont synth (the settings' SoundFont, rate,
        reverb and chorus unless given); ``on_warning`` hears when the SoundFont could not be
        used."""
        from studio.audio.render import render_audio

        return render_audio(
            song,
            soundfont=soundfont or self.settings["soundfont"],
            sample_rate=sample_rate or self.settings["sample_rate"],
            progress=progress,
            cancel=cancel,
            on_warning=on_warning,
            reverb=self.settings["reverb"],
            chorus=self.settings["chorus"],
        )

    def export_wav(
        self,
        rendering: Rendering,
        path: str | os.PathLike,
        *,
        loudness: float | str | None = None,
    ) -> LoudnessReport:
        """Write a rendering as a 16-bit WAV file (atomically), through the master stage.

        ``loudness``: the integrated loudness to bring it to, in LUFS, or "raw" to keep the
        synth's level (default: the ``export_loudness`` setting, −16). Either way the limiter
        keeps the true peak at or under −1 dBTP. Returns what was measured and done.
        """
        from studio.audio.loudness import normalize
        from studio.audio.wav import write_wav

        if loudness is None:
            loudness = self.settings.get("export_loudness", EXPORT_LOUDNESS)
        target = None if loudness == "raw" else float(loudness)
        audio, report = normalize(rendering.audio, rendering.sample_rate, target)
        write_wav(Path(path), audio, rendering.sample_rate)
        return report


def set_library_aside(db_path: str | os.PathLike) -> Path | None:
    """Rename a (damaged) library file out of the way, so the next run starts a new one;
    returns the new name, or None when there was no file. Nothing is deleted."""
    from studio.library.catalog import set_aside

    return set_aside(db_path)
