"""The library file's schema: one upgrade step per version, applied in order.

The file records its version in ``PRAGMA user_version`` (0 for a new file). Step ``n`` takes the
schema from version ``n - 1`` to ``n``; ``upgrade`` runs the missing steps, each in its own
transaction, and sets the version after each, so a file interrupted halfway is left at the last
finished step. To change the schema, append a step (``@_step(4)`` …); never edit an old one:
files out in the world were made by it. (Picard's ``config_upgrade.py`` works the same way.)
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from contextlib import AbstractContextManager

Step = Callable[[sqlite3.Connection], None]

UPGRADES: list[Step] = []
"""``UPGRADES[i]`` takes the schema from version ``i`` to ``i + 1``; append, never edit."""


class NewerSchemaError(Exception):
    """The file was made by a newer program: its ``version`` is above ``SCHEMA_VERSION``."""

    def __init__(self, version: int) -> None:
        super().__init__(f"schema {version} is newer than this program's")
        self.version = version


def _step(version: int) -> Callable[[Step], Step]:
    """Register the decorated function as the step to ``version`` (steps come in order)."""

    def register(function: Step) -> Step:
        if version != len(UPGRADES) + 1:
            raise RuntimeError(f"schema step {version} is out of order")
        UPGRADES.append(function)
        return function

    return register


@_step(1)
def _v1_tracks_embeddings_feedback(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE tracks (
            id INTEGER PRIMARY KEY,
            path BLOB NOT NULL UNIQUE,
            display_path TEXT NOT NULL,
            content_hash TEXT,
            size INTEGER,
            mtime_ns INTEGER,
            title TEXT,
            duration_seconds REAL,
            tempo REAL,
            time_signature TEXT,
            key_stated TEXT,
            key_estimated TEXT,
            programs TEXT,
            note_count INTEGER,
            pitch_low INTEGER,
            pitch_high INTEGER,
            density REAL,
            status TEXT NOT NULL CHECK (status IN ('ok', 'error', 'missing')),
            error TEXT,
            indexed_at REAL NOT NULL
        )"""
    )
    db.execute("CREATE INDEX tracks_by_hash ON tracks (content_hash)")
    db.execute("CREATE INDEX tracks_by_status ON tracks (status)")
    db.execute(
        """CREATE TABLE embeddings (
            track_id INTEGER NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
            model_version TEXT NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (track_id, model_version)
        )"""
    )
    db.execute(
        """CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            track_id INTEGER NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
            profile TEXT NOT NULL DEFAULT 'default',
            kind TEXT NOT NULL,
            value REAL NOT NULL DEFAULT 1.0,
            at REAL NOT NULL
        )"""
    )
    db.execute("CREATE INDEX feedback_by_track ON feedback (track_id)")


@_step(2)
def _v2_passage_vectors(db: sqlite3.Connection) -> None:
    # Passage vectors (float16, one row of ``passage_dims`` per window, windows taken on a grid
    # ``passage_hop`` beats apart, starting at ``passage_starts`` (float32 beats)) sit beside
    # the whole-track vector (float32).
    db.execute("ALTER TABLE embeddings ADD COLUMN passages BLOB")
    db.execute("ALTER TABLE embeddings ADD COLUMN passage_starts BLOB")
    db.execute("ALTER TABLE embeddings ADD COLUMN passage_dims INTEGER")
    db.execute("ALTER TABLE embeddings ADD COLUMN passage_hop REAL")


@_step(3)
def _v3_profiles_and_change_counter(db: sqlite3.Connection) -> None:
    # Listening profiles (one person's taste each); 'default' always exists. Profiles already
    # named by feedback rows get a row too, so no event is left without its profile.
    db.execute("CREATE TABLE profiles (name TEXT PRIMARY KEY, created_at REAL NOT NULL)")
    db.execute("INSERT INTO profiles (name, created_at) VALUES ('default', ?)", (time.time(),))
    db.execute(
        "INSERT OR IGNORE INTO profiles (name, created_at) "
        "SELECT profile, MIN(at) FROM feedback GROUP BY profile"
    )
    db.execute("CREATE INDEX feedback_by_profile_track ON feedback (profile, track_id)")
    db.execute("CREATE INDEX feedback_by_profile_at ON feedback (profile, at, id)")
    # A counter that every change to tracks or embeddings bumps (feedback does not): searchers
    # reload their vectors when it moves, and not after each like or play.
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)")
    db.execute("INSERT INTO meta (key, value) VALUES ('music_version', 0)")
    for table in ("tracks", "embeddings"):
        for event in ("INSERT", "UPDATE", "DELETE"):
            db.execute(
                f"CREATE TRIGGER {table}_{event.lower()}_bumps AFTER {event} ON {table} "
                "BEGIN UPDATE meta SET value = value + 1 WHERE key = 'music_version'; END"
            )


@_step(4)
def _v4_passage_scale(db: sqlite3.Connection) -> None:
    # A track whose notes do not sit on its file's beat grid is cut into passages on beats read
    # from its notes: ``passage_scale`` of those per beat of the file (NULL: 1, the file's own).
    db.execute("ALTER TABLE embeddings ADD COLUMN passage_scale REAL")


@_step(5)
def _v5_traits(db: sqlite3.Connection) -> None:
    # The track's musical traits: texture, harmony and rhythm statistics (float32,
    # ``core.traits.NAMES``) beside its vectors; NULL for vectors stored before.
    db.execute("ALTER TABLE embeddings ADD COLUMN traits BLOB")


@_step(6)
def _v6_mood_and_description_version(db: sqlite3.Connection) -> None:
    # The track's mood (``core.mood``: valence dark…bright, arousal calm…energetic, −1…1; NULL
    # without pitched notes), and the version of the indexer's reading of a file it was
    # described with (``indexer.DESCRIPTION``; NULL before this step): a track described by an
    # older one is read again on the next index.
    db.execute("ALTER TABLE tracks ADD COLUMN valence REAL")
    db.execute("ALTER TABLE tracks ADD COLUMN arousal REAL")
    db.execute("ALTER TABLE tracks ADD COLUMN described INTEGER")


@_step(7)
def _v7_idea_reactions(db: sqlite3.Connection) -> None:
    # What a profile did with a generated idea (``library.idea_reactions``): liked, disliked,
    # opened, exported or added to a song, with what a taste model needs to learn from it
    # without the idea itself: the request it was made with, its features (float32, version
    # ``feature_version``), the noise that made it (float32, ``latent_shape`` "units,noise") and
    # its mood. ``idea`` is the engine's hash of the idea's notes and settings.
    db.execute(
        """CREATE TABLE idea_reactions (
            id INTEGER PRIMARY KEY,
            profile TEXT NOT NULL,
            idea TEXT NOT NULL,
            kind TEXT NOT NULL,
            at REAL NOT NULL,
            seed INTEGER,
            settings TEXT NOT NULL,
            features BLOB NOT NULL,
            feature_version INTEGER NOT NULL,
            latents BLOB,
            latent_shape TEXT,
            valence REAL,
            arousal REAL
        )"""
    )
    db.execute("CREATE INDEX idea_reactions_by_profile ON idea_reactions (profile, at, id)")
    db.execute("CREATE INDEX idea_reactions_by_profile_idea ON idea_reactions (profile, idea)")


SCHEMA_VERSION = len(UPGRADES)
"""The version a file has once ``upgrade`` ran."""


def schema_version(db: sqlite3.Connection) -> int:
    """The schema version of an open library file (0 for a new, empty one)."""
    return db.execute("PRAGMA user_version").fetchone()[0]


def upgrade(
    db: sqlite3.Connection, transaction: Callable[[], AbstractContextManager[object]]
) -> None:
    """Run the steps ``db`` is missing, each inside its own ``transaction()`` (a context
    manager that commits at the end of the block and rolls back on an error).

    Raises:
        NewerSchemaError: the file's version is above ``SCHEMA_VERSION``.
    """
    version = schema_version(db)
    if version > SCHEMA_VERSION:
        raise NewerSchemaError(version)
    for step in range(version, SCHEMA_VERSION):
        with transaction():
            if schema_version(db) > step:  # another connection made this step meanwhile
                continue
            UPGRADES[step](db)
            db.execute(f"PRAGMA user_version={step + 1}")
