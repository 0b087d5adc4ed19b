"""What a listening profile did with generated ideas: ♥, ✕, and the ideas it kept.

The app generates melodies ("ideas"); the user can like (♥) or dislike (✕) one, and opening,
exporting or adding one to a song keeps it. Each reaction is one row of the catalog's
``idea_reactions`` table, per profile (``feedback.py`` keeps the profiles), with what a taste
model needs to learn from it later: the request the idea was made with (``settings``), its
features, the noise that made it (``latents``) and its mood. All the SQL about idea reactions is
in this module, every write is one transaction, and nothing leaves the library file. Times
(``at``) are seconds since the epoch.

A like and a dislike of the same idea exclude each other (a ♥ after ✕ changes one's mind), and
a profile likes or dislikes an idea once; opening, exporting and adding are events and repeat.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from studio.core.errors import InvalidInput
from studio.library.catalog import Catalog
from studio.library.feedback import require_profile

IDEA_KINDS = ("like", "dislike", "open", "export", "add")
"""The kinds of reaction to an idea."""
KEEP_KINDS = ("like", "open", "export", "add")
"""The kinds that count as keeping an idea."""
_OPPOSITE = {"like": "dislike", "dislike": "like"}


@dataclass(frozen=True, eq=False)
class IdeaReaction:
    """One profile's reaction to one generated idea.

    ``idea`` is the engine's hash of the idea's notes and settings; ``kind`` one of
    ``IDEA_KINDS``; ``at`` in seconds since the epoch; ``seed`` the seed that made it (None:
    unknown); ``settings`` the request it was made with (a JSON object: key, meter, bars,
    tempo…); ``features`` its feature vector (float32, 1-D) of version ``feature_version``;
    ``latents`` the noise that made it (float32, units × noise, or None); ``valence`` and
    ``arousal`` its mood (−1…1, or None). ``id`` is the row of the table (None before storing).
    Two reactions are equal when every field is (arrays element by element).
    """

    idea: str
    kind: str
    profile: str
    at: float
    seed: int | None
    settings: dict
    features: np.ndarray
    feature_version: int
    latents: np.ndarray | None
    valence: float | None
    arousal: float | None
    id: int | None = None

    @property
    def kept(self) -> bool:
        """Whether this reaction keeps the idea (a kind in ``KEEP_KINDS``)."""
        return self.kind in KEEP_KINDS

    def to_json(self) -> dict:
        """The reaction as a JSON object: the features as a list, the latents left out but
        their ``latent_shape`` given ([units, noise], or None)."""
        return {
            "id": self.id,
            "profile": self.profile,
            "idea": self.idea,
            "kind": self.kind,
            "at": self.at,
            "seed": self.seed,
            "settings": self.settings,
            "features": [float(x) for x in self.features],
            "feature_version": self.feature_version,
            "latent_shape": None if self.latents is None else list(self.latents.shape),
            "valence": self.valence,
            "arousal": self.arousal,
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IdeaReaction):
            return NotImplemented
        if (self.latents is None) != (other.latents is None):
            return False
        same_latents = self.latents is None or np.array_equal(self.latents, other.latents)
        return same_latents and self.to_json() == other.to_json()


def _check_kind(kind: str) -> str:
    if kind not in IDEA_KINDS:
        raise InvalidInput(f"unknown idea reaction {kind!r} (known: {', '.join(IDEA_KINDS)})")
    return kind


def _check_idea(idea: str) -> str:
    if not isinstance(idea, str) or not idea.strip():
        raise InvalidInput(f"an idea is named by its id, a non-empty text, not {idea!r}")
    return idea


def _float32(values: object, what: str, ndim: int) -> np.ndarray:
    """``values`` as a finite little-endian float32 array of ``ndim`` dimensions."""
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            array = np.asarray(values, dtype="<f4")
    except (TypeError, ValueError):
        raise InvalidInput(f"the {what} must be numbers, not {values!r:.60}") from None
    if array.ndim != ndim:
        shape = "a vector (1-D)" if ndim == 1 else "a table (2-D: units × noise)"
        raise InvalidInput(f"the {what} must be {shape}, not of shape {array.shape}")
    if ndim == 1 and array.size == 0:
        raise InvalidInput(f"the {what} must have at least one value")
    if not np.isfinite(array).all():
        raise InvalidInput(f"the {what} must be finite float32 numbers (no NaN, no infinity)")
    return array


def _check_settings(settings: dict | None) -> str:
    """The settings as JSON text (``{}`` for None)."""
    settings = {} if settings is None else settings
    if not isinstance(settings, dict):
        raise InvalidInput(f"an idea's settings are a dict (a JSON object), not {settings!r:.60}")
    try:
        return json.dumps(settings, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise InvalidInput(f"an idea's settings must be storable as JSON: {error}") from None


def _check_number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"{what} must be a finite number, not {value!r}")
    return float(value)


def _check_mood(value: float | None, what: str) -> float | None:
    if value is None:
        return None
    value = _check_number(value, f"a {what}")
    if not -1.0 <= value <= 1.0:
        raise InvalidInput(f"a {what} is between −1 and 1, not {value:g}")
    return value


def _check_whole(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidInput(f"{what} is a whole number, not {value!r}")
    if not -(2**63) <= value < 2**63:  # SQLite's range
        raise InvalidInput(f"{what} must fit in 64 bits, not {value}")
    return int(value)


def record_idea(
    catalog: Catalog,
    *,
    profile: str,
    idea: str,
    kind: str,
    features: np.ndarray,
    feature_version: int,
    settings: dict | None = None,
    seed: int | None = None,
    latents: np.ndarray | None = None,
    valence: float | None = None,
    arousal: float | None = None,
    at: float | None = None,
) -> IdeaReaction:
    """Store a profile's reaction to an idea; returns it.

    A like removes the profile's dislike of the same idea and a dislike its like; a like or
    dislike that is there already is kept as it was and returned (with its own time and data).
    Opening, exporting and adding are stored every time.

    Args:
        features: the idea's feature vector (1-D, finite; stored as float32).
        settings: the request it was made with, a JSON object (None: ``{}``).
        latents: the noise that made it (2-D, units × noise, finite; stored as float32).
        valence, arousal: its mood, −1…1.
        at: when, in seconds since the epoch (default: now).

    Raises:
        InvalidInput: unknown kind or profile, an empty idea id, features or latents that are
            not finite vectors / tables, settings that are not a JSON object, a bad seed, mood,
            version or time.
    """
    _check_kind(kind)
    _check_idea(idea)
    vector = _float32(features, "features", 1)
    feature_version = _check_whole(feature_version, "a feature version")
    noise = None if latents is None else _float32(latents, "latents", 2)
    text = _check_settings(settings)
    seed = None if seed is None else _check_whole(seed, "a seed")
    valence = _check_mood(valence, "valence")
    arousal = _check_mood(arousal, "arousal")
    at = _check_number(time.time() if at is None else at, "an idea reaction's time")
    with catalog.transaction() as db:
        require_profile(catalog, profile)
        if kind in _OPPOSITE:
            db.execute(
                "DELETE FROM idea_reactions WHERE profile = ? AND idea = ? AND kind = ?",
                (profile, idea, _OPPOSITE[kind]),
            )
            same = db.execute(
                "SELECT id, profile, idea, kind, at, seed, settings, features, feature_version, "
                "latents, latent_shape, valence, arousal FROM idea_reactions "
                "WHERE profile = ? AND idea = ? AND kind = ? ORDER BY id LIMIT 1",
                (profile, idea, kind),
            ).fetchone()
            if same is not None:
                return _reaction(*same)
        cursor = db.execute(
            "INSERT INTO idea_reactions (profile, idea, kind, at, seed, settings, features, "
            "feature_version, latents, latent_shape, valence, arousal) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                profile, idea, kind, at, seed, text, vector.tobytes(), feature_version,
                None if noise is None else noise.tobytes(),
                None if noise is None else f"{noise.shape[0]},{noise.shape[1]}",
                valence, arousal,
            ),
        )  # fmt: skip
    return IdeaReaction(
        idea, kind, profile, at, seed, json.loads(text), vector, feature_version, noise,
        valence, arousal, cursor.lastrowid,
    )  # fmt: skip


def withdraw_idea(catalog: Catalog, *, profile: str, idea: str, kind: str) -> int:
    """Delete a profile's reactions of one kind to one idea (un-♥); returns how many went.

    Raises:
        InvalidInput: unknown kind or profile, or an empty idea id.
    """
    _check_kind(kind)
    _check_idea(idea)
    with catalog.transaction() as db:
        require_profile(catalog, profile)
        return db.execute(
            "DELETE FROM idea_reactions WHERE profile = ? AND idea = ? AND kind = ?",
            (profile, idea, kind),
        ).rowcount


def forget_ideas(catalog: Catalog, profile: str) -> int:
    """Delete every idea reaction of a profile; returns how many went. ``feedback.forget_profile``
    calls it inside its own transaction; alone, the one statement commits by itself.

    Raises:
        InvalidInput: unknown profile.
    """
    require_profile(catalog, profile)
    return catalog.execute("DELETE FROM idea_reactions WHERE profile = ?", [profile]).rowcount


def idea_reactions(
    catalog: Catalog,
    profile: str,
    *,
    kinds: Iterable[str] | None = None,
    feature_version: int | None = None,
    limit: int | None = None,
) -> list[IdeaReaction]:
    """A profile's idea reactions, oldest first: of the given kinds (default: all), with
    features of ``feature_version`` (default: any), the newest ``limit`` of them (default: all).

    Raises:
        InvalidInput: unknown profile or kind, or a limit that is not a whole number ≥ 0.
    """
    require_profile(catalog, profile)
    wanted = None if kinds is None else json.dumps([_check_kind(kind) for kind in kinds])
    if feature_version is not None:
        feature_version = _check_whole(feature_version, "a feature version")
    if limit is not None and _check_whole(limit, "a limit") < 0:
        raise InvalidInput(f"a limit cannot be negative ({limit})")
    rows = catalog.execute(
        "SELECT id, profile, idea, kind, at, seed, settings, features, feature_version, "
        "latents, latent_shape, valence, arousal FROM idea_reactions WHERE profile = ? "
        "AND (? IS NULL OR kind IN (SELECT value FROM json_each(?))) "
        "AND (? IS NULL OR feature_version = ?) "
        "ORDER BY at DESC, id DESC LIMIT ?",  # the newest ``limit`` (-1: all), turned below
        (profile, wanted, wanted, feature_version, feature_version, -1 if limit is None else limit),
    ).fetchall()
    return [_reaction(*row) for row in reversed(rows)]


def idea_marks(catalog: Catalog, profile: str, ideas: Iterable[str]) -> dict[str, str]:
    """``idea → "like" or "dislike"`` for those of ``ideas`` the profile likes or dislikes
    (what the idea cards show); ideas without either are left out.

    Raises:
        InvalidInput: unknown profile.
    """
    require_profile(catalog, profile)
    wanted = sorted({str(idea) for idea in ideas})
    if not wanted:
        return {}
    rows = catalog.execute(
        "SELECT idea, kind FROM idea_reactions WHERE profile = ? AND kind IN ('like', 'dislike') "
        "AND idea IN (SELECT value FROM json_each(?)) ORDER BY at, id",
        (profile, json.dumps(wanted)),
    )
    return {idea: kind for idea, kind in rows}  # the latest wins


def idea_summary(catalog: Catalog, profile: str) -> dict:
    """A profile's idea reactions in numbers: ``counts`` (per kind, every kind present),
    ``kept`` (distinct ideas with a kind in ``KEEP_KINDS``) and ``ideas`` (distinct ideas).

    Raises:
        InvalidInput: unknown profile.
    """
    require_profile(catalog, profile)
    counts = dict.fromkeys(IDEA_KINDS, 0)
    for kind, count in catalog.execute(
        "SELECT kind, COUNT(*) FROM idea_reactions WHERE profile = ? GROUP BY kind", [profile]
    ):
        counts[kind] = count
    kept, ideas = catalog.execute(
        "SELECT COUNT(DISTINCT CASE WHEN kind IN ('like', 'open', 'export', 'add') THEN idea END), "
        "COUNT(DISTINCT idea) FROM idea_reactions WHERE profile = ?",  # KEEP_KINDS
        [profile],
    ).fetchone()
    return {"counts": counts, "kept": kept, "ideas": ideas}


def _reaction(
    number: int,
    profile: str,
    idea: str,
    kind: str,
    at: float,
    seed: int | None,
    settings: str,
    features: bytes,
    feature_version: int,
    latents: bytes | None,
    latent_shape: str | None,
    valence: float | None,
    arousal: float | None,
) -> IdeaReaction:
    """One row of the table (all its columns, in order) as an ``IdeaReaction``."""
    noise = None
    if latents is not None and latent_shape:
        units, width = (int(part) for part in latent_shape.split(","))
        noise = np.frombuffer(latents, dtype="<f4").reshape(units, width).copy()
    return IdeaReaction(
        idea, kind, profile, at, seed, json.loads(settings),
        np.frombuffer(features, dtype="<f4").copy(), feature_version, noise, valence, arousal,
        number,
    )  # fmt: skip
