"""Bounded, seeded fuzzing of the MIDI reader with mutations of real files (issue 18).

Each run makes ``FUZZ_CASES`` mutated files (bit flips, byte edits, inserts, deletes,
truncation, corrupted chunk lengths and header fields, duplicated chunks, splices of two files)
from the real files in ``tests/data`` and, when present, the shared edge-case collection. Every
one must read into a valid ``Song`` or raise ``MidiFileError``: never another exception. Hangs
are ruled out by the reader's own limits (file size, note count, length of the music, number of
chunks), not by a timer. The same seed gives the same files; a failure names the case and its
mutations and keeps the file in pytest's temp folder. ``MOTIF_FUZZ_CASES`` and
``MOTIF_FUZZ_SEED`` run a longer or another campaign locally:
``MOTIF_FUZZ_CASES=30000 MOTIF_FUZZ_SEED=7 pytest tests/core/test_midi_fuzz.py``.
"""

from __future__ import annotations

import os
import random
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SHARED_TESTDATA, TEST_DATA
from song_checks import assert_valid_song

from studio.core import MidiFileError, StudioError
from studio.core.midi_info import describe_song
from studio.core.midi_read import MAX_BEATS, read_midi

FUZZ_CASES = int(os.environ.get("MOTIF_FUZZ_CASES", "2000"))
FUZZ_SEED = int(os.environ.get("MOTIF_FUZZ_SEED", "20261130"))
INTERESTING_BYTES = (0x00, 0x01, 0x7F, 0x80, 0x81, 0x90, 0xB0, 0xC0, 0xF0, 0xF7, 0xFF)
INTERESTING_LENGTHS = (0, 1, 5, 6, 7, 0x7F, 0x80, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)


def corpus() -> dict[str, bytes]:
    """The real files to mutate: tests/data, plus the shared edge cases when they are there."""
    paths = sorted(TEST_DATA.glob("*.mid"))
    shared = SHARED_TESTDATA / "midi-edge-cases"
    if shared.is_dir():
        paths += sorted(p for p in shared.rglob("*") if p.suffix.lower() in (".mid", ".rmi"))
    files = {str(p.relative_to(p.parents[1])): p.read_bytes() for p in paths}
    return {name: data for name, data in files.items() if data}


def chunk_offsets(data: bytes) -> list[int]:
    """Where ``MThd``, ``MTrk`` and ``RIFF`` chunk headers start in ``data``."""
    offsets = []
    for tag in (b"MThd", b"MTrk", b"RIFF"):
        start = data.find(tag)
        while start >= 0:
            offsets.append(start)
            start = data.find(tag, start + 1)
    return sorted(offsets)


Mutation = Callable[[random.Random, bytearray, dict[str, bytes]], str]


def flip_bits(rng: random.Random, data: bytearray, _files) -> str:
    positions = [rng.randrange(len(data)) for _ in range(rng.randint(1, 8))]
    for position in positions:
        data[position] ^= 1 << rng.randrange(8)
    return f"flip bits at {positions}"


def set_byte(rng: random.Random, data: bytearray, _files) -> str:
    position = rng.randrange(len(data))
    data[position] = rng.choice((*INTERESTING_BYTES, rng.randrange(256)))
    return f"set byte {position} to {data[position]:#04x}"


def insert_bytes(rng: random.Random, data: bytearray, _files) -> str:
    position = rng.randrange(len(data) + 1)
    count = rng.randint(1, 16)
    data[position:position] = bytes(
        rng.choice(INTERESTING_BYTES) if rng.random() < 0.5 else rng.randrange(256)
        for _ in range(count)
    )
    return f"insert {count} bytes at {position}"


def delete_bytes(rng: random.Random, data: bytearray, _files) -> str:
    position, count = rng.randrange(len(data)), rng.randint(1, 16)
    del data[position : position + count]
    return f"delete {count} bytes at {position}"


def truncate(rng: random.Random, data: bytearray, _files) -> str:
    position = rng.randrange(len(data))
    del data[position:]
    return f"truncate at {position}"


def corrupt_chunk_length(rng: random.Random, data: bytearray, _files) -> str:
    offsets = [o for o in chunk_offsets(data) if o + 8 <= len(data)]
    if not offsets:
        return flip_bits(rng, data, _files)
    offset = rng.choice(offsets)
    (length,) = struct.unpack_from(">I", data, offset + 4)
    new = rng.choice((*INTERESTING_LENGTHS, length + 1, max(0, length - 1), length * 2,
                      rng.randrange(2**32))) & 0xFFFFFFFF  # fmt: skip
    struct.pack_into(">I", data, offset + 4, new)
    return f"chunk length at {offset}: {length} -> {new}"


def corrupt_header_field(rng: random.Random, data: bytearray, _files) -> str:
    offset = data.find(b"MThd")
    if offset < 0 or offset + 14 > len(data):
        return set_byte(rng, data, _files)
    field = rng.choice((8, 10, 12))  # format, number of tracks, division
    value = rng.choice((0, 1, 2, 3, 0x7FFF, 0x8000, 0xFFFF, rng.randrange(2**16)))
    struct.pack_into(">H", data, offset + field, value)
    return f"header field at {field}: {value}"


def duplicate_chunk(rng: random.Random, data: bytearray, _files) -> str:
    offsets = [o for o in chunk_offsets(data) if data[o : o + 4] == b"MTrk"]
    if not offsets:
        return insert_bytes(rng, data, _files)
    offset = rng.choice(offsets)
    (length,) = struct.unpack_from(">I", data, offset + 4) if offset + 8 <= len(data) else (0,)
    chunk = bytes(data[offset : offset + 8 + length])
    where = rng.choice([*offsets, len(data)])
    data[where:where] = chunk * rng.randint(1, 3)
    return f"copy the chunk at {offset} to {where}"


def splice(rng: random.Random, data: bytearray, files: dict[str, bytes]) -> str:
    name = rng.choice(sorted(files))
    other = files[name]
    cut, join = rng.randrange(len(data) + 1), rng.randrange(len(other) + 1)
    data[cut:] = other[join:]
    return f"splice {name} from byte {join} in at {cut}"


def fix_track_lengths(data: bytearray) -> None:
    """Make each ``MTrk`` chunk's length reach the next ``MTrk`` (or the end), so that the
    damage of an insert or delete reaches the event parser instead of the chunk walk."""
    offsets = [o for o in chunk_offsets(data) if data[o : o + 4] == b"MTrk"]
    for offset, following in zip(offsets, [*offsets[1:], len(data)][: len(offsets)], strict=True):
        if offset + 8 <= following:
            struct.pack_into(">I", data, offset + 4, following - offset - 8)


MUTATIONS: tuple[Mutation, ...] = (
    flip_bits, set_byte, insert_bytes, delete_bytes, truncate, corrupt_chunk_length,
    corrupt_header_field, duplicate_chunk, splice,
)  # fmt: skip


def mutated_files(files: dict[str, bytes], count: int, seed: int):
    """``count`` mutated files: (case number, description, bytes), the same for the same seed."""
    rng = random.Random(seed)
    names = sorted(files)
    for case in range(count):
        name = rng.choice(names)
        data = bytearray(files[name])
        steps = [name]
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
            if not data:
                break
            steps.append(rng.choice(MUTATIONS)(rng, data, files))
        if rng.random() < 0.5:
            fix_track_lengths(data)
            steps.append("track lengths fixed")
        yield case, "; ".join(steps), bytes(data)


def test_mutations_of_real_files_read_or_fail_cleanly(tmp_path):
    files = corpus()
    assert len(files) >= 8  # tests/data alone has 8
    outcomes = {"read": 0, "refused": 0}
    for case, description, data in mutated_files(files, FUZZ_CASES, FUZZ_SEED):
        try:
            song = read_midi(data)
            assert_valid_song(song)
            assert song.end <= MAX_BEATS  # what the piano roll can scroll to
            describe_song(song)  # what `studio info` prints about it
            outcomes["read"] += 1
        except MidiFileError as error:
            message = str(error)
            assert message and "\n" not in message, (case, description, message)
            outcomes["refused"] += 1
        except BaseException:
            kept = tmp_path / f"fuzz-case-{case}.mid"
            kept.write_bytes(data)
            print(f"seed {FUZZ_SEED}, case {case}: {description}; the file is {kept}")
            raise
    # a mutation campaign that only ever makes unreadable files would test little
    assert outcomes["read"] > FUZZ_CASES // 10 and outcomes["refused"] > FUZZ_CASES // 10


def test_the_campaign_is_reproducible():
    files = corpus()
    first = list(mutated_files(files, 50, FUZZ_SEED))
    assert first == list(mutated_files(files, 50, FUZZ_SEED))
    assert first != list(mutated_files(files, 50, FUZZ_SEED + 1))


def test_studio_info_on_mutated_files_is_one_line_and_exit_2(studio, tmp_path):
    refused: list[tuple[str, Path]] = []
    for case, description, data in mutated_files(corpus(), 400, FUZZ_SEED + 1):
        try:
            read_midi(data)
        except StudioError:
            path = tmp_path / f"mutated-{case}.mid"
            path.write_bytes(data)
            refused.append((description, path))
    kinds = {}  # one file per kind of first mutation, so the few runs cover them all
    for description, path in refused:
        kinds.setdefault(description.split("; ")[1].split()[0], (description, path))
    assert len(kinds) >= 5
    for description, path in kinds.values():
        result = studio("info", str(path))
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2, (description, result.stderr)
        assert result.stdout == "" and "Traceback" not in result.stderr, description
        assert len(lines) == 1 and lines[0].startswith("studio: error: "), lines


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.__name__)
def test_every_mutation_changes_a_file(mutation):
    files = corpus()
    rng = random.Random(FUZZ_SEED)
    original = files["data/running_status.mid"]
    changed = 0
    for _ in range(20):
        data = bytearray(original)
        mutation(rng, data, files)
        changed += bytes(data) != original
    assert changed >= 15
