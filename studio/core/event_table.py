"""Many small events kept as numpy columns instead of one Python object each.

A file read from disk can hold millions of controller events (a sustain pedal or a breath
controller sampled every few ticks): as frozen dataclasses they cost about 90 bytes each, 1 GB
for the 12,000,000 of a file at the reader's size limit. ``EventTable`` keeps the same events in
columns (8 bytes for the beat, 1–2 for each number) and makes the objects only while they are
looked at, so a ``Track``'s ``controls`` and ``pitch_bends`` may be a tuple or a table and the
code that uses them cannot tell the difference: iterating, indexing, ``len`` and ``==`` behave
as for the tuple of the same events.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence

import numpy as np

_BATCH = 65_536  # events made into objects at a time while iterating


class EventTable(Sequence):
    """An immutable sequence of ``kind(*row)`` for the rows of numpy ``columns``.

    ``kind`` is the event class (``ControlChange``, ``PitchBend``); ``columns`` hold its fields
    in order, all of one length. The arrays are copied, so later changes to the caller's arrays
    do not show here.
    """

    __slots__ = ("_columns", "_kind")

    def __init__(self, kind: type, *columns: np.ndarray) -> None:
        lengths = {len(column) for column in columns}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")
        self._kind = kind
        self._columns = tuple(np.array(column, copy=True) for column in columns)
        for column in self._columns:
            column.flags.writeable = False

    @property
    def kind(self) -> type:
        """The class of the events."""
        return self._kind

    @property
    def columns(self) -> tuple[np.ndarray, ...]:
        """The read-only columns, one per field of ``kind``."""
        return self._columns

    def __len__(self) -> int:
        return len(self._columns[0]) if self._columns else 0

    def __getitem__(self, index):
        if isinstance(index, slice):
            return EventTable(self._kind, *(column[index] for column in self._columns))
        return self._kind(*(column[index].item() for column in self._columns))

    def __iter__(self) -> Iterator:
        for start in range(0, len(self), _BATCH):
            rows = [column[start : start + _BATCH].tolist() for column in self._columns]
            yield from map(self._kind, *rows)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EventTable):
            return (self._kind is other._kind and len(self) == len(other)
                    and all(map(np.array_equal, self._columns, other._columns)))  # fmt: skip
        if isinstance(other, (tuple, list)):
            return len(self) == len(other) and all(map(operator.eq, self, other))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))  # equal to the hash of the tuple it equals

    def __repr__(self) -> str:
        return f"EventTable({self._kind.__name__}, {len(self)} events)"

    def __reduce__(self):
        return (EventTable, (self._kind, *self._columns))


def event_table(kind: type, *columns: np.ndarray) -> Sequence:
    """The events of ``columns`` as an ``EventTable``, or ``()`` when there are none (so an
    empty part compares and prints like one made by hand)."""
    if not len(columns[0]):
        return ()
    return EventTable(kind, *columns)
