"""Desktop integration: the shipped desktop entry, AppStream metainfo and icons are valid, and
``studio install-desktop`` installs them for the user (with "Open with" for MIDI files) and
``--uninstall`` removes exactly what it installed."""

from __future__ import annotations

import configparser
import hashlib
import os
import shlex
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import STUDIO

import studio
from studio.commands.desktop import desktop_entry
from studio.core import resources

REPO = Path(__file__).resolve().parent.parent
APP_ID = resources.APP_ID
DESKTOP_FILE = resources.DESKTOP / f"{APP_ID}.desktop"
METAINFO = resources.DESKTOP / f"{APP_ID}.metainfo.xml"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def tool(name: str) -> str:
    """A validator from desktop-file-utils or appstream (scripts/setup.sh --test installs both);
    missing is a failure in CI and a skip elsewhere."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed (scripts/setup.sh --test installs it)")
        pytest.skip(f"{name} is not installed")
    return path


def validate_desktop_file(path: Path) -> None:
    result = subprocess.run([tool("desktop-file-validate"), str(path)],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def read_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", header[16:24])


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its digest, and every folder (digest "")."""
    if not folder.exists():
        return {}
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        if path.is_file() else ""
        for path in folder.rglob("*")
    }  # fmt: skip


def install_desktop(data_home: Path, *flags: str) -> subprocess.CompletedProcess:
    env = os.environ | {"XDG_DATA_HOME": str(data_home)}
    return subprocess.run([str(STUDIO), "install-desktop", *flags], capture_output=True,
                          text=True, env=env, stdin=subprocess.DEVNULL, timeout=120)  # fmt: skip


# -- the shipped files --------------------------------------------------------------------------


def test_the_desktop_entry_is_valid_and_opens_midi_files():
    validate_desktop_file(DESKTOP_FILE)
    entry = read_entry(DESKTOP_FILE)
    assert entry["Icon"] == APP_ID and entry["Exec"] == "studio %f"
    assert {"audio/midi", "audio/x-midi"} <= set(entry["MimeType"].strip(";").split(";"))


def test_the_metainfo_is_valid_and_matches_the_package():
    result = subprocess.run([tool("appstreamcli"), "validate", "--no-net", "--strict",
                             str(METAINFO)], capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP_FILE.name
    assert root.find("releases/release").get("version") == studio.__version__
    (image,) = root.iterfind("screenshots/screenshot/image")
    assert image.text.endswith("/main/docs/screenshot.png")
    assert png_size(REPO / "docs" / "screenshot.png") == (int(image.get("width")),
                                                          int(image.get("height")))  # fmt: skip


def test_the_icon_comes_in_every_size_and_as_svg():
    for size in PNG_SIZES:
        path = resources.ICONS / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        assert png_size(path) == (size, size)
    svg = ET.parse(resources.ICONS / "scalable" / "apps" / f"{APP_ID}.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.get("viewBox") == "0 0 512 512"
    assert len(resources.icon_files()) == len(PNG_SIZES) + 1


def test_an_exec_path_with_spaces_is_quoted_as_the_spec_asks(tmp_path):
    template = DESKTOP_FILE.read_text(encoding="utf-8")
    command = ["/opt/Motif Studio/bin/python3", "-m", "studio"]
    written = tmp_path / DESKTOP_FILE.name
    written.write_text(desktop_entry(template, command), encoding="utf-8")
    validate_desktop_file(written)
    entry = read_entry(written)
    assert entry["TryExec"] == command[0]
    # the Exec value unescapes once as a string, then splits as a command line
    assert shlex.split(entry["Exec"].replace("\\\\", "\\")) == [*command, "%f"]


# -- install-desktop ----------------------------------------------------------------------------


def test_install_then_uninstall_leaves_the_folder_as_it_was(tmp_path):
    data_home = tmp_path / "share"
    other = data_home / "applications" / "org.example.Other.desktop"
    other.parent.mkdir(parents=True)
    other.write_text("[Desktop Entry]\nType=Application\nName=Other\nExec=other %f\n"
                     "MimeType=audio/midi;\n")  # fmt: skip
    update = shutil.which("update-desktop-database")
    if update:
        subprocess.run([update, "-q", str(other.parent)], check=True)
    before = tree(data_home)

    installed = install_desktop(data_home)
    assert installed.returncode == 0, installed.stderr
    entry_path = data_home / "applications" / DESKTOP_FILE.name
    validate_desktop_file(entry_path)
    entry = read_entry(entry_path)
    assert entry["Exec"] == f"{STUDIO} %f" and os.access(entry["TryExec"], os.X_OK)
    for size in PNG_SIZES:
        icon = data_home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        assert png_size(icon) == (size, size)
    assert (data_home / "metainfo" / METAINFO.name).read_bytes() == METAINFO.read_bytes()
    if update:  # what file managers read for "Open with"
        cache = configparser.ConfigParser(interpolation=None, delimiters=("=",))
        cache.read(data_home / "applications" / "mimeinfo.cache")
        apps = set(cache["MIME Cache"]["audio/midi"].strip(";").split(";"))
        assert apps == {"org.example.Other.desktop", DESKTOP_FILE.name}

    again = install_desktop(data_home)  # a second install replaces its own files
    assert again.returncode == 0, again.stderr

    removed = install_desktop(data_home, "--uninstall")
    assert removed.returncode == 0, removed.stderr
    assert "removed 11 files" in removed.stdout
    assert tree(data_home) == before


def test_uninstall_into_an_empty_home_removes_the_folders_it_made(tmp_path):
    data_home = tmp_path / "share"
    assert install_desktop(data_home).returncode == 0
    assert install_desktop(data_home, "--uninstall").returncode == 0
    assert not data_home.exists()


def test_uninstall_keeps_a_file_changed_since_and_says_so(tmp_path):
    data_home = tmp_path / "share"
    assert install_desktop(data_home).returncode == 0
    entry_path = data_home / "applications" / DESKTOP_FILE.name
    entry_path.write_text(entry_path.read_text() + "NoDisplay=true\n")
    removed = install_desktop(data_home, "--uninstall")
    assert removed.returncode == 0, removed.stderr
    assert f"left in place (changed since it was installed): {entry_path}" in removed.stdout
    assert entry_path.exists()
    assert not (data_home / "icons" / "hicolor" / "16x16" / "apps" / f"{APP_ID}.png").exists()


def test_a_file_it_did_not_write_is_not_overwritten(tmp_path):
    data_home = tmp_path / "share"
    foreign = data_home / "icons" / "hicolor" / "48x48" / "apps" / f"{APP_ID}.png"
    foreign.parent.mkdir(parents=True)
    foreign.write_bytes(b"someone else's icon")
    result = install_desktop(data_home)
    assert result.returncode == 2 and "was not installed by Motif Studio" in result.stderr
    assert "Traceback" not in result.stderr
    assert foreign.read_bytes() == b"someone else's icon"
    assert not (data_home / "applications").exists()


def test_uninstall_without_an_install_is_a_clear_error(tmp_path):
    result = install_desktop(tmp_path / "share", "--uninstall")
    assert result.returncode == 2
    assert "nothing to uninstall" in result.stderr and "Traceback" not in result.stderr
