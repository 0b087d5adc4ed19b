"""What the user thought of library tracks (likes, plays, skips…), per listening profile.

Every event is one row of the catalog's ``feedback`` table; profiles are rows of ``profiles``
('default' always exists). All the SQL about feedback and profiles is in this module, every write
is one transaction, and nothing here talks to a network: feedback stays in the library file on
this machine. Times (``at``) are seconds since the epoch.

Values by kind: ``play`` is the fraction of the track heard (0–1, default 1), ``skip`` the
seconds heard before skipping (≥ 0, default 0); the other kinds have the value 1.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

from studio.core.errors import InvalidInput
from studio.library.catalog import Catalog

KINDS = ("like", "dislike", "play", "skip", "added", "exported")
"""The kinds of feedback, in the order the command line lists them."""
DEFAULT_PROFILE = "default"
MAX_PROFILE_NAME = 40
_PROFILE_NAME = re.compile(r"[\w -]+")  # letters (any script), digits, space, '-', '_'


@dataclass(frozen=True, slots=True)
class FeedbackEvent:
    """One feedback event: a profile's like, dislike, play, skip, added or exported of a track.

    ``kind`` is one of ``KINDS``; ``value`` is the fraction heard (0–1) for "play", the seconds
    heard for "skip", 1 otherwise; ``at`` is in seconds since the epoch. ``id`` is the row of
    the ``feedback`` table (``None`` for an event that is not stored, as in a simulation).
    """

    track_id: int
    kind: str
    value: float = 1.0
    at: float = 0.0
    profile: str = DEFAULT_PROFILE
    id: int | None = None

    def to_json(self) -> dict:
        """The event as a JSON object."""
        return {
            "id": self.id,
            "track_id": self.track_id,
            "profile": self.profile,
            "kind": self.kind,
            "value": self.value,
            "at": self.at,
        }


def check_profile_name(name: str) -> str:
    """Return ``name`` if it can name a new profile: 1–40 letters, digits, spaces, '-' or '_',
    not starting or ending with a space.

    Raises:
        InvalidInput: it cannot.
    """
    if not isinstance(name, str) or not name or len(name) > MAX_PROFILE_NAME:
        raise InvalidInput(f"a profile name has 1–{MAX_PROFILE_NAME} characters, not {name!r}")
    if not _PROFILE_NAME.fullmatch(name) or name != name.strip():
        raise InvalidInput(
            f"profile name {name!r} may only have letters, digits, spaces, '-' and '_' "
            "(and no space at either end)"
        )
    return name


def check_value(kind: str, value: float | None) -> float:
    """The value to store for an event of ``kind`` (the default when ``value`` is None).

    Raises:
        InvalidInput: unknown kind, or a value that does not fit it.
    """
    if kind not in KINDS:
        raise InvalidInput(f"unknown feedback kind {kind!r} (known: {', '.join(KINDS)})")
    defaults = {"play": 1.0, "skip": 0.0}
    if value is None:
        return defaults.get(kind, 1.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInput(f"a {kind} value must be a finite number, not {value!r}")
    value = float(value)
    if kind == "play" and not 0.0 <= value <= 1.0:
        raise InvalidInput(f"a play's fraction heard must be between 0 and 1, not {value:g}")
    if kind == "skip" and value < 0.0:
        raise InvalidInput(f"a skip's seconds heard cannot be negative ({value:g})")
    if kind not in defaults and value != 1.0:
        raise InvalidInput(f"a {kind} has no value (it is always 1), not {value:g}")
    return value


def require_profile(catalog: Catalog, name: str) -> None:
    """Check that the library has a profile ``name`` (letter case counts).

    Raises:
        InvalidInput: it has not; the message names the known ones.
    """
    row = catalog.execute("SELECT 1 FROM profiles WHERE name = ?", [name]).fetchone()
    if row is None:
        known = ", ".join(profile_names(catalog))
        raise InvalidInput(
            f"unknown profile {name!r} (known: {known}); create it with "
            f"`studio profile create {name}`"
        )


def record(
    catalog: Catalog,
    track_id: int,
    kind: str,
    *,
    profile: str,
    value: float | None = None,
    at: float | None = None,
) -> FeedbackEvent:
    """Store one feedback event about a track (status ok) for a profile; returns it.

    Args:
        value: see the module docstring (None: the kind's default).
        at: when it happened, in seconds since the epoch (default: now).

    Raises:
        InvalidInput: unknown kind or profile, a bad value or time, or a track id that is not
            in the library or whose file is missing or unreadable.
    """
    value = check_value(kind, value)
    at = time.time() if at is None else at
    if isinstance(at, bool) or not isinstance(at, int | float) or not math.isfinite(at):
        raise InvalidInput(f"an event time must be a finite number of seconds, not {at!r}")
    if isinstance(track_id, bool) or not isinstance(track_id, int):
        raise InvalidInput(f"a track id is a whole number, not {track_id!r}")
    with catalog.transaction() as db:
        require_profile(catalog, profile)
        track = catalog.get(track_id) if 0 <= track_id < 2**63 else None  # SQLite's range
        if track is None:
            raise InvalidInput(f"no track {track_id} in the library {catalog.path}")
        if track.status != "ok":
            raise InvalidInput(
                f"track {track_id} ({track.display_path}) is {track.status}: feedback is for "
                "playable tracks only (run `studio index` again if the file is back)"
            )
        cursor = db.execute(
            "INSERT INTO feedback (track_id, profile, kind, value, at) VALUES (?, ?, ?, ?, ?)",
            (track_id, profile, kind, value, float(at)),
        )
    return FeedbackEvent(track_id, kind, value, float(at), profile, cursor.lastrowid)


def events(
    catalog: Catalog,
    profile: str,
    *,
    since: float | None = None,
    kinds: tuple[str, ...] | list[str] | None = None,
) -> list[FeedbackEvent]:
    """A profile's events in time order (oldest first), from ``since`` (seconds since the
    epoch, inclusive) on, of the given kinds (default: all).

    Raises:
        InvalidInput: unknown profile or kind.
    """
    require_profile(catalog, profile)
    sql = "SELECT id, track_id, profile, kind, value, at FROM feedback WHERE profile = ?"
    parameters: list = [profile]
    if since is not None:
        sql += " AND at >= ?"
        parameters.append(float(since))
    if kinds is not None:
        for kind in kinds:
            if kind not in KINDS:
                raise InvalidInput(f"unknown feedback kind {kind!r} (known: {', '.join(KINDS)})")
        sql += f" AND kind IN ({', '.join('?' * len(kinds))})"
        parameters.extend(kinds)
    rows = catalog.execute(sql + " ORDER BY at, id", parameters)
    return [
        FeedbackEvent(track_id, kind, value, at, name, number)
        for number, track_id, name, kind, value, at in rows
    ]


def marker(catalog: Catalog) -> tuple[int, int]:
    """The number of feedback events and the highest event id: changes whenever any process
    records or forgets feedback."""
    count, last = catalog.execute("SELECT COUNT(*), MAX(id) FROM feedback").fetchone()
    return count, last or 0


def profile_names(catalog: Catalog) -> list[str]:
    """The names of the library's profiles, sorted (letter case aside)."""
    return [
        row[0]
        for row in catalog.execute("SELECT name FROM profiles ORDER BY name COLLATE NOCASE, name")
    ]


def event_counts(catalog: Catalog) -> dict[str, int]:
    """``profile name → number of feedback events`` for every profile (0 for none), by name."""
    rows = catalog.execute(
        "SELECT p.name, COUNT(f.id) FROM profiles p LEFT JOIN feedback f ON f.profile = p.name "
        "GROUP BY p.name ORDER BY p.name COLLATE NOCASE, p.name"
    )
    return {name: count for name, count in rows}


def create_profile(catalog: Catalog, name: str) -> str:
    """Add a profile with no feedback; returns its name.

    Raises:
        InvalidInput: a bad name (see ``check_profile_name``), or one that exists already
            (letter case aside).
    """
    check_profile_name(name)
    with catalog.transaction() as db:
        same = db.execute(
            "SELECT name FROM profiles WHERE name = ? COLLATE NOCASE", (name,)
        ).fetchone()
        if same is not None:
            raise InvalidInput(f"there is already a profile {same[0]!r}")
        db.execute("INSERT INTO profiles (name, created_at) VALUES (?, ?)", (name, time.time()))
    return name


def forget_profile(catalog: Catalog, name: str, *, delete: bool = False) -> int:
    """Delete every feedback event of a profile and its reactions to generated ideas
    (``idea_reactions``), and the profile itself with ``delete`` (the 'default' profile can be
    forgotten but not deleted). Returns how many rows went: events plus idea reactions.

    Raises:
        InvalidInput: unknown profile, or ``delete`` of 'default'.
    """
    from studio.library.idea_reactions import forget_ideas  # it imports this module

    if delete and name == DEFAULT_PROFILE:
        raise InvalidInput(
            f"the {DEFAULT_PROFILE!r} profile cannot be deleted (forget its feedback instead)"
        )
    with catalog.transaction() as db:
        require_profile(catalog, name)
        removed = db.execute("DELETE FROM feedback WHERE profile = ?", (name,)).rowcount
        removed += forget_ideas(catalog, name)
        if delete:
            db.execute("DELETE FROM profiles WHERE name = ?", (name,))
    return removed


def summary(catalog: Catalog, profile: str) -> dict:
    """A profile's feedback in numbers: ``events``, ``counts`` (per kind, every kind present),
    ``tracks`` (distinct tracks), ``first_at`` and ``last_at`` (seconds since the epoch, None
    without events), and ``ideas``: its reactions to generated ideas
    (``idea_reactions.idea_summary``).

    Raises:
        InvalidInput: unknown profile.
    """
    from studio.library.idea_reactions import idea_summary  # it imports this module

    require_profile(catalog, profile)
    counts = dict.fromkeys(KINDS, 0)
    for kind, count in catalog.execute(
        "SELECT kind, COUNT(*) FROM feedback WHERE profile = ? GROUP BY kind", [profile]
    ):
        counts[kind] = count
    events_total, tracks, first, last = catalog.execute(
        "SELECT COUNT(*), COUNT(DISTINCT track_id), MIN(at), MAX(at) FROM feedback "
        "WHERE profile = ?",
        [profile],
    ).fetchone()
    return {
        "profile": profile,
        "events": events_total,
        "counts": counts,
        "tracks": tracks,
        "first_at": first,
        "last_at": last,
        "ideas": idea_summary(catalog, profile),
    }
