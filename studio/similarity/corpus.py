"""MIDI files written once from music21's public-domain corpus: training data for the autoencoder
and labelled sets for ``studio eval retrieval``.

The corpus is parsed with music21 (slow: minutes) and written out as ordinary MIDI files under the
user cache folder, with a ``manifest.csv`` (``path,group,tune,piece,role``):

- ``group``: the composer or collection (Bach chorales, Palestrina, Monteverdi, trecento, Josquin,
  Beethoven, Mozart, Haydn, Robert Schumann, and the folk collections of Ryan, O'Neill and Aird):
  the *style* labels.
- ``tune``: for Bach chorales, the chorale's title. Bach harmonised many tunes several times, so
  chorales with one title are real alternate arrangements of one piece: the *versions* labels.
- ``piece``: the work a file belongs to: the movements of one quartet (``opus18no1/movement2``)
  share it, each tune of a folk book has its own.
- ``role``: ``versions`` (every chorale whose tune has two or more harmonisations here), ``style``
  (whole pieces, every movement of each, chosen by a hash of the piece until a group has
  ``STYLE_PER_GROUP`` files) or ``train``. Evaluation files never appear in training, and no
  piece is split between training and evaluation.

Labels come from the corpus's metadata; the evaluation never uses them as features. Essen folk
songs are left out (non-commercial licence), as are Roman-numeral analyses (no notes).
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from studio.core.errors import music21_missing
from studio.core.progress import CancelToken, ProgressCallback, no_progress

FORMAT_VERSION = 2  # 2: names from the whole corpus path (movement1 of two quartets collided)
STYLE_GROUPS = (
    "bach", "palestrina", "monteverdi", "trecento", "josquin", "beethoven", "mozart", "haydn",
    "schumann_robert", "ryansMammoth", "oneills1850", "airdsAirs",
)  # fmt: skip
STYLE_PER_GROUP = 30
TRAIN_PER_GROUP = 400
SCORES_PER_OPUS = 120  # the folk books hold hundreds of tunes each; a sample is enough
NOTE_SUFFIXES = (".mxl", ".xml", ".musicxml", ".krn", ".abc", ".mid")


@dataclass(frozen=True)
class CorpusFile:
    """One written MIDI file and its labels."""

    path: Path
    group: str
    tune: str
    role: str
    piece: str = ""


def default_folder() -> Path:
    """Where the written corpus lives (the user cache folder)."""
    from platformdirs import user_cache_path

    return user_cache_path("motif-studio") / "corpus-midi" / f"v{FORMAT_VERSION}"


def read_manifest(folder: Path) -> list[CorpusFile]:
    """The files listed in ``folder/manifest.csv`` (empty when it was never written)."""
    manifest = folder / "manifest.csv"
    if not manifest.exists():
        return []
    with manifest.open(newline="", encoding="utf-8") as file:
        return [
            CorpusFile(
                folder / row["path"], row["group"], row["tune"], row["role"], row.get("piece", "")
            )
            for row in csv.DictReader(file)
        ]


def ensure_corpus(
    folder: Path | None = None,
    *,
    workers: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> list[CorpusFile]:
    """The written corpus, writing it first if needed (a few minutes, once)."""
    folder = folder or default_folder()
    files = read_manifest(folder)
    if files:
        return files
    jobs = list(_plan())
    folder.mkdir(parents=True, exist_ok=True)
    written: list[CorpusFile] = []
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        futures = [pool.submit(_write_job, job, str(folder)) for job in jobs]
        for done, future in enumerate(futures, 1):
            if cancel is not None and cancel.cancelled:
                for pending in futures:
                    pending.cancel()
                return []
            written.extend(future.result())
            progress(done, len(futures), "")
    unique = {f.path: f for f in written}  # bwv281.mxl and bwv281.krn both write bwv281.mid
    written = _assign_roles(list(unique.values()))
    rows = [
        (f.path.relative_to(folder).as_posix(), f.group, f.tune, f.piece, f.role) for f in written
    ]
    temporary = folder / "manifest.csv.tmp"
    with temporary.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(("path", "group", "tune", "piece", "role"))
        writer.writerows(rows)
    os.replace(temporary, folder / "manifest.csv")
    return written


def _stable_hash(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def _chorale_titles() -> dict[str, str]:
    from music21.corpus.chorales import ChoraleListRKBWV

    return {bwv: entry["title"] for bwv, entry in ChoraleListRKBWV().byBWV.items()}


def _plan() -> Iterator[tuple[str, str, str]]:
    """``(corpus path, group, tune)`` for every file to write, capped per group."""
    try:
        from music21 import corpus
    except ImportError:
        raise music21_missing() from None

    titles = _chorale_titles()
    by_group: dict[str, list[Path]] = {}
    for path in corpus.getCorePaths():
        parts = path.parts
        group = parts[parts.index("corpus") + 1] if "corpus" in parts else path.parent.name
        if group in ("essenFolksong", "demos", "theoryExercises", "leadSheet"):
            continue
        if path.suffix.lower() not in NOTE_SUFFIXES:
            continue
        by_group.setdefault(group, []).append(path)
    for group, paths in sorted(by_group.items()):
        paths.sort(key=lambda p: _stable_hash(p.as_posix().split("/corpus/")[-1]))
        cap = TRAIN_PER_GROUP + STYLE_PER_GROUP
        if group == "bach":
            cap = len(paths)  # every chorale: the version sets need them all
        for path in paths[:cap]:
            tune = titles.get(path.stem.removeprefix("bwv"), "") if group == "bach" else ""
            yield str(path), group, tune


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:60] or "untitled"


def _write_job(job: tuple[str, str, str], folder: str) -> list[CorpusFile]:
    """Parse one corpus file and write each score in it as MIDI (runs in a worker process)."""
    import warnings

    from music21 import corpus

    source, group, tune = job
    warnings.filterwarnings("ignore")
    try:
        parsed = corpus.parse(source)
    except Exception:  # music21 cannot read a handful of corpus files; they are simply left out
        return []
    scores = list(getattr(parsed, "scores", None) or [parsed])[:SCORES_PER_OPUS]
    out = []
    for number, score in enumerate(scores):
        name, piece = written_name(source, group, number, len(scores))
        target = Path(folder) / group / name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            score.write("midi", fp=target)
        except Exception:
            target.unlink(missing_ok=True)
            continue
        if target.stat().st_size > 0:
            out.append(CorpusFile(target, group, tune, "train", piece))
    return out


def written_name(source: str, group: str, number: int, count: int) -> tuple[str, str]:
    """The MIDI file name for score ``number`` of the ``count`` in the corpus file ``source``,
    and the piece it belongs to.

    The name keeps the path below the group folder (``opus18no1/movement1.mxl`` becomes
    ``opus18no1-movement1.mid``, so the first movements of two quartets stay two files) and
    drops the suffix (a ``.krn`` and an ``.mxl`` of one movement write one file). A file in a
    subfolder belongs to the piece the subfolder names; a book of several scores holds one piece
    per score.
    """
    inside = Path(source.replace("\\", "/").split(f"/corpus/{group}/")[-1])
    stem = _slug("-".join((*inside.parent.parts, inside.stem)))
    name = f"{stem}-{number:03d}" if count > 1 else stem
    piece = _slug("-".join(inside.parent.parts)) if inside.parent.parts else name
    return f"{name}.mid", piece


def _assign_roles(files: list[CorpusFile]) -> list[CorpusFile]:
    """Mark the evaluation files (see the module docstring); the rest stay ``train``."""
    tune_sizes: dict[str, int] = {}
    for f in files:
        if f.tune:
            tune_sizes[f.tune] = tune_sizes.get(f.tune, 0) + 1
    result = []
    taken: dict[str, int] = {}
    styled: set[tuple[str, str]] = set()  # (group, piece) given to the style set
    order = sorted(files, key=lambda f: (f.group, _stable_hash(f.piece), f.path.name))
    for f in order:
        role = "train"
        piece = (f.group, f.piece or f.path.name)
        if f.tune and tune_sizes[f.tune] >= 2:
            role = "versions"
        elif f.group in STYLE_GROUPS and (
            piece in styled or taken.get(f.group, 0) < STYLE_PER_GROUP
        ):
            styled.add(piece)  # the rest of a piece follows its first movement
            taken[f.group] = taken.get(f.group, 0) + 1
            role = "style"
        result.append(CorpusFile(f.path, f.group, f.tune, role, f.piece))
    return result


if __name__ == "__main__":
    from tqdm import tqdm

    with tqdm(desc="writing the corpus as MIDI", unit="file") as bar:

        def _show(done: int, total: int, _note: str) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        files = ensure_corpus(progress=_show)
    print(f"{len(files)} files in {default_folder()}")
