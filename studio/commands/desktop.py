"""``studio install-desktop``: put Motif Studio in the user's applications menu.

It installs, for the current user only (under ``$XDG_DATA_HOME``, usually ``~/.local/share``),
the desktop entry, the icons (every hicolor size and the SVG) and the AppStream metainfo that ship
in ``studio.resources``, with the entry's ``Exec`` pointing at this very installation, so MIDI files
offer "Open with Motif Studio" and the menu entry starts this ``studio``. A manifest records what
was written (with each file's SHA-256) and which folders were made, so ``--uninstall`` removes
exactly that: a file changed since is left in place and reported, folders go only when empty.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from studio.commands.common import EXIT_OK, print_json
from studio.core import resources
from studio.core.errors import StudioError
from studio.core.fileio import atomic_write_bytes

MANIFEST_NAME = "desktop-install.json"
MIME_CACHE = "mimeinfo.cache"


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add the ``install-desktop`` subcommand."""
    parser = commands.add_parser(
        "install-desktop",
        parents=[common],
        help="add Motif Studio to the applications menu (for this user)",
        description="Install the menu entry, the icons, the AppStream metainfo and the "
        "'Open with' association for MIDI files, for the current user, under $XDG_DATA_HOME "
        "(~/.local/share). The entry starts this installation of studio. --uninstall removes "
        "exactly what was installed.",
    )
    parser.add_argument(
        "--uninstall", action="store_true", help="remove what an earlier install-desktop installed"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Install or uninstall, then print what changed."""
    if not sys.platform.startswith("linux"):
        raise StudioError("install-desktop is for Linux desktops (freedesktop menus) only")
    data_home = user_data_home()
    report = uninstall(data_home) if args.uninstall else install(data_home, launcher_command())
    if args.json:
        print_json(report)
    elif args.uninstall:
        _print_uninstall(report)
    else:
        print(f"installed {len(report['files'])} files under {data_home}")
        print(f"  menu entry: {report['desktop_file']}")
        print(f"  it runs: {report['exec']}")
        print("Motif Studio is in the applications menu, and MIDI files offer it in 'Open with'.")
        print("Undo with: studio install-desktop --uninstall")
    return EXIT_OK


def user_data_home() -> Path:
    """``$XDG_DATA_HOME``, or ``~/.local/share`` when it is unset or not absolute (the spec)."""
    value = os.environ.get("XDG_DATA_HOME", "")
    return Path(value) if os.path.isabs(value) else Path.home() / ".local" / "share"


def launcher_command() -> list[str]:
    """The command that starts this installation: the bundle's executable, this venv's
    ``studio`` script, or this Python with ``-m studio``."""
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).resolve())]
    script = Path(sys.argv[0])
    if script.name == "studio" and script.is_file():
        return [str(script.absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "studio"]


def desktop_entry(template: str, command: list[str]) -> str:
    """The shipped entry with ``TryExec`` and ``Exec`` set to ``command`` (quoted as the
    desktop-entry spec asks)."""
    lines = []
    for line in template.splitlines():
        if line.startswith("TryExec="):
            line = f"TryExec={command[0]}"
        elif line.startswith("Exec="):
            line = "Exec=" + " ".join(_quote_exec_argument(part) for part in command) + " %f"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _quote_exec_argument(argument: str) -> str:
    reserved = set(" \t\n\"'\\><~|&;$*?#()`")
    if not any(char in reserved for char in argument):
        return argument
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in argument)
    # a desktop file's string values escape the backslash once more
    return '"' + escaped.replace("\\", "\\\\") + '"'


def planned_files(data_home: Path, command: list[str]) -> dict[Path, bytes]:
    """Every file to install: its destination and its bytes."""
    app_id = resources.APP_ID
    entry = (resources.DESKTOP / f"{app_id}.desktop").read_text(encoding="utf-8")
    files = {
        data_home / "applications" / f"{app_id}.desktop": desktop_entry(entry, command).encode(),
        data_home / "metainfo" / f"{app_id}.metainfo.xml": (
            resources.DESKTOP / f"{app_id}.metainfo.xml"
        ).read_bytes(),
    }
    for icon in resources.icon_files():
        relative = icon.relative_to(resources.ICONS)
        files[data_home / "icons" / "hicolor" / relative] = icon.read_bytes()
    return files


def install(data_home: Path, command: list[str]) -> dict:
    """Write the entry, the icons and the metainfo under ``data_home``; record them. Files of
    an earlier install are replaced; a file there that Motif Studio did not write stops it."""
    manifest = _read_manifest(data_home)
    ours = set(manifest["files"])
    planned = planned_files(data_home, command)
    for path, content in planned.items():
        if str(path) not in ours and path.exists() and path.read_bytes() != content:
            raise StudioError(f"{path} exists and was not installed by Motif Studio; "
                              "move it away and run install-desktop again")  # fmt: skip
    applications = data_home / "applications"
    cache_was_there = (applications / MIME_CACHE).exists()
    made_dirs = set(manifest["made_dirs"])
    for path in [*planned, _manifest_path(data_home)]:
        made_dirs |= {str(folder) for folder in _missing_parents(path, data_home)}
    for path, content in planned.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, content)
        manifest["files"][str(path)] = hashlib.sha256(content).hexdigest()
    refreshed = _refresh_menu_databases(applications)
    manifest["made_dirs"] = sorted(made_dirs)
    manifest["made_mime_cache"] = manifest["made_mime_cache"] or (refreshed and not cache_was_there)
    manifest["exec"] = command
    _write_manifest(data_home, manifest)
    return {
        "files": sorted(manifest["files"]),
        "desktop_file": str(applications / f"{resources.APP_ID}.desktop"),
        "exec": " ".join(command),
        "manifest": str(_manifest_path(data_home)),
    }


def uninstall(data_home: Path) -> dict:
    """Remove what ``install`` recorded: files still as written, then the folders it made if
    they are empty. Returns the removed files and those left because they changed."""
    manifest_path = _manifest_path(data_home)
    if not manifest_path.exists():
        raise StudioError(f"nothing to uninstall: no desktop install recorded in {manifest_path}")
    manifest = _read_manifest(data_home)
    removed, kept = [], []
    for name, digest in sorted(manifest["files"].items()):
        path = Path(name)
        if not path.exists():
            continue
        if hashlib.sha256(path.read_bytes()).hexdigest() == digest:
            path.unlink()
            removed.append(name)
        else:
            kept.append(name)
    manifest_path.unlink()
    applications = data_home / "applications"
    _refresh_menu_databases(applications)
    if manifest["made_mime_cache"]:
        _remove_if_no_entries(applications / MIME_CACHE)
    made = [Path(folder) for folder in manifest["made_dirs"]]
    for folder in sorted(made, key=lambda folder: len(folder.parts), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return {"removed": removed, "kept_changed": kept}


def _print_uninstall(report: dict) -> None:
    print(f"removed {len(report['removed'])} files")
    for name in report["kept_changed"]:
        print(f"  left in place (changed since it was installed): {name}")


def _manifest_path(data_home: Path) -> Path:
    return data_home / "motif-studio" / MANIFEST_NAME


def _read_manifest(data_home: Path) -> dict:
    empty = {"files": {}, "made_dirs": [], "made_mime_cache": False, "exec": []}
    path = _manifest_path(data_home)
    if not path.exists():
        return empty
    try:
        return empty | json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise StudioError(f"the desktop install record {path} is damaged ({error}); "
                          "delete it and remove the files by hand") from error  # fmt: skip


def _write_manifest(data_home: Path, manifest: dict) -> None:
    path = _manifest_path(data_home)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, json.dumps(manifest, indent=2).encode())


def _missing_parents(path: Path, data_home: Path) -> list[Path]:
    """The folders between ``data_home`` (included) and ``path`` that do not exist yet."""
    folders = [folder for folder in path.parents if folder.is_relative_to(data_home)]
    return [folder for folder in folders if not folder.exists()]


def _refresh_menu_databases(applications: Path) -> bool:
    """Rebuild the folder's MIME cache (what "Open with" reads), when desktop-file-utils is
    installed; True when it ran. Desktops notice the entry and the icons by themselves."""
    tool = shutil.which("update-desktop-database")
    if tool is None or not applications.is_dir():
        return False
    subprocess.run([tool, "-q", str(applications)], check=False, stdin=subprocess.DEVNULL)
    return True


def _remove_if_no_entries(cache: Path) -> None:
    """Delete a MIME cache that install-desktop caused and that lists no application now."""
    if not cache.exists():
        return
    lines = [line.strip() for line in cache.read_text(encoding="utf-8").splitlines()]
    if all(not line or line.startswith("[") for line in lines):
        cache.unlink()
