"""SHA-256 manifests of model files: a damaged or replaced model is refused before it is read.

A folder of model files may hold ``MANIFEST.sha256``, one line per file in the format of
``sha256sum`` (``<64 hex digits>  <file name>``), so ``sha256sum -c MANIFEST.sha256`` checks it
by hand too. The loaders call ``verify_model_file`` on each file before they read it:

- **Shipped models** (``resources/models``): the folder's manifest is strict. Every file the app
  loads from there must be listed and match; a mismatch, a missing line, a missing file or a
  missing manifest is a ``ModelFileError`` that ends with "reinstall Motif Studio".
- **Your own models**: every model file Motif Studio writes (``studio train``'s weights and
  snapshots, a calibration, a spread reference, the style priors) is recorded in the manifest of
  its folder (``record_model_file``). A file that its folder's manifest lists is checked the same
  way; a file with no manifest or no line in it (weights from a run before manifests, a file
  copied by hand) loads unchecked: it is the user's own file.

Hashing is cheap next to loading: the shipped files (about 8 MB) hash in a few milliseconds.

After copying new weights into ``resources/models``, write its manifest again::

    python -m studio.core.model_files            # resources/models (--check: only verify)
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from studio.core.errors import ModelFileError
from studio.core.fileio import atomic_write_bytes
from studio.core.resources import MODELS

MANIFEST_NAME = "MANIFEST.sha256"
SHIPPED_FOLDER = MODELS
"""The folder whose manifest is strict (tests point it at a copy)."""
MODEL_SUFFIXES = (".safetensors", ".json")
"""What ``write_manifest`` lists by default: weights and their JSON side files."""


def sha256_of(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, as 64 hex digits (read in chunks)."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def read_manifest(path: str | os.PathLike) -> dict[str, str]:
    """File name → SHA-256 from a manifest (blank lines, ``#`` comments and malformed lines are
    skipped; ``OSError`` when it cannot be read)."""
    entries = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        name = name.removeprefix("*")  # sha256sum's binary-mode mark
        if len(digest) == 64 and name and not line.startswith("#"):
            entries[name] = digest.lower()
    return entries


def manifest_text(entries: dict[str, str]) -> str:
    """A manifest's text: ``sha256sum`` lines sorted by file name."""
    return "".join(f"{digest}  {name}\n" for name, digest in sorted(entries.items()))


def write_manifest(folder: str | os.PathLike, names: Iterable[str] | None = None) -> Path:
    """Write ``folder``'s manifest afresh (atomically) from the files ``names`` (default: every
    ``*.safetensors`` and ``*.json`` file in it); returns its path."""
    folder = Path(folder)
    if names is None:
        names = (p.name for p in folder.iterdir() if p.suffix in MODEL_SUFFIXES and p.is_file())
    entries = {name: sha256_of(folder / name) for name in names}
    path = folder / MANIFEST_NAME
    atomic_write_bytes(path, manifest_text(entries).encode("utf-8"))
    return path


def record_model_file(path: str | os.PathLike) -> None:
    """Add (or update) a model file Motif Studio just wrote in its folder's manifest, creating
    the manifest when there is none (atomically; other lines are kept)."""
    path = Path(path)
    manifest = path.parent / MANIFEST_NAME
    try:
        entries = read_manifest(manifest)
    except FileNotFoundError:
        entries = {}
    entries[path.name] = sha256_of(path)
    atomic_write_bytes(manifest, manifest_text(entries).encode("utf-8"))


def is_shipped(path: str | os.PathLike) -> bool:
    """Whether ``path`` is in the shipped models' folder."""
    return Path(path).resolve().parent == Path(SHIPPED_FOLDER).resolve()


def verify_model_file(path: str | os.PathLike, model: str = "the model") -> None:
    """Check a model file against its folder's manifest before it is read (see the module
    doc); ``model`` names it in the error ("the melody model"). Raises ``ModelFileError``."""
    path = Path(path)
    manifest = path.parent / MANIFEST_NAME
    if is_shipped(path):
        _verify_shipped(path, manifest, model)
        return
    try:
        expected = read_manifest(manifest).get(path.name)
    except (OSError, UnicodeDecodeError):
        return  # no manifest: the user's own file, loaded unchecked
    if expected is None or not path.is_file():
        return  # not recorded (or missing: the loader says so)
    actual = sha256_of(path)
    if actual != expected:
        raise ModelFileError(
            f"{model} is damaged: {path} does not match its manifest {manifest} "
            f"(SHA-256 {actual[:12]}…, expected {expected[:12]}…); train it again, or delete "
            "its line from the manifest to load it anyway"
        )


def _verify_shipped(path: Path, manifest: Path, model: str) -> None:
    reinstall = "reinstall Motif Studio"
    try:
        expected = read_manifest(manifest).get(path.name)
    except (OSError, UnicodeDecodeError):
        raise ModelFileError(
            f"{model} cannot be checked: the shipped models' manifest {manifest} is missing or "
            f"unreadable; {reinstall}"
        ) from None
    if expected is None:
        raise ModelFileError(
            f"{model} is not one of the shipped models: {path.name} is not listed in {manifest}; "
            f"{reinstall}"
        )
    try:
        actual = sha256_of(path)
    except OSError:
        raise ModelFileError(f"{model} is damaged: {path} is missing; {reinstall}") from None
    if actual != expected:
        raise ModelFileError(
            f"{model} is damaged: {path} does not match the shipped model "
            f"(SHA-256 {actual[:12]}…, expected {expected[:12]}…); {reinstall}"
        )


def check_manifest(folder: str | os.PathLike) -> list[str]:
    """The files of ``folder``'s manifest that are missing or do not match (empty: all good)."""
    folder = Path(folder)
    bad = []
    for name, digest in sorted(read_manifest(folder / MANIFEST_NAME).items()):
        try:
            if sha256_of(folder / name) != digest:
                bad.append(f"{name}: does not match")
        except OSError:
            bad.append(f"{name}: missing")
    return bad


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m studio.core.model_files [FOLDER] [--check]``: write (or check) a folder's
    manifest; the default folder is the shipped models'."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(SHIPPED_FOLDER))
    parser.add_argument("--check", action="store_true", help="verify only; exit 1 on a mismatch")
    args = parser.parse_args(argv)
    if args.check:
        bad = check_manifest(args.folder)
        for line in bad:
            print(line, file=sys.stderr)
        return 1 if bad else 0
    path = write_manifest(args.folder)
    print(f"wrote {path} ({len(read_manifest(path))} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
