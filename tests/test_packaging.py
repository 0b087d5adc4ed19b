"""Packaging: the wheel carries everything the app reads at run time, and the installed app runs
from a fresh venv outside the repository (generate, similar tracks on the demo library, the
window's screenshot, the menu entry); training on the music21 corpus without the ``train``
extra says what to install."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def listed_packages() -> set[str]:
    with open(REPO / "pyproject.toml", "rb") as file:
        return set(tomllib.load(file)["tool"]["setuptools"]["packages"])


def test_every_package_of_studio_is_listed_in_pyproject():
    inits = (REPO / "studio").rglob("__init__.py")
    found = {".".join(init.parent.relative_to(REPO).parts) for init in inits}
    assert listed_packages() == found | {"studio.resources"}


def test_the_shipped_files_are_found_through_the_package():
    import studio.resources

    from studio.core import resources

    assert Path(studio.resources.__file__).parent == resources.RESOURCES
    assert resources.GAN_WEIGHTS.is_file() and resources.AUTOENCODER_WEIGHTS.is_file()
    assert len(list(resources.DEMO_LIBRARY.glob("*.mid"))) >= 20


def run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900, stdin=subprocess.DEVNULL)  # fmt: skip


@pytest.mark.slow
def test_the_wheel_installs_and_runs_outside_the_repository(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    built = run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q",
                 "-w", str(tmp_path / "dist")], tmp_path, env)  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("motif_studio-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in ("models/gan.safetensors", "models/gan.decoding.json", "models/README.md",
                    "models/autoencoder.safetensors", "models/autoencoder.spread.json",
                    "models/style_priors.json", "models/MANIFEST.sha256",
                    "demo/README.md"):  # fmt: skip
        assert f"studio/resources/{shipped}" in names
    assert sum(n.startswith("studio/resources/demo/") and n.endswith(".mid") for n in names) >= 20
    app_id = "io.github.motifstudio.MotifStudio"
    for shipped in (f"desktop/{app_id}.desktop", f"desktop/{app_id}.metainfo.xml",
                    f"icons/hicolor/scalable/apps/{app_id}.svg",
                    f"icons/hicolor/16x16/apps/{app_id}.png",
                    f"icons/hicolor/512x512/apps/{app_id}.png"):  # fmt: skip
        assert f"studio/resources/{shipped}" in names
    assert not any(n.startswith(("tests/", "resources/", "benchmarks/")) for n in names)

    venv = tmp_path / "venv"
    assert run([sys.executable, "-m", "venv", str(venv)], tmp_path, env).returncode == 0
    python, studio = venv / "bin" / "python", venv / "bin" / "studio"
    installed = run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                     str(wheel)], tmp_path, env)  # fmt: skip
    assert installed.returncode == 0, installed.stderr

    home = tmp_path / "user"
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env[name] = str(home / name.lower())
    env |= {"MOTIF_STUDIO_CONFIG": str(home / "settings.json"), "QT_QPA_PLATFORM": "offscreen"}
    where = run([str(python), "-c", "import studio.core.resources as r; print(r.DEMO_LIBRARY)"],
                tmp_path, env)  # fmt: skip
    demo = Path(where.stdout.strip())
    assert demo.is_relative_to(venv) and demo.is_dir(), where.stderr

    made = run([str(studio), "generate", "-o", "ideas", "--count", "2", "--seed", "1", "--json"],
               tmp_path, env)  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in (tmp_path / "ideas").iterdir()) == [
        "melody-01.mid", "melody-02.mid"
    ]  # fmt: skip

    similar = run([str(studio), "similar", str(demo / "bach-chorale-bwv1-6.mid"), "--top", "3"],
                  tmp_path, env)  # fmt: skip
    assert similar.returncode == 0, similar.stderr
    assert "Chorale" in similar.stdout or "chorale" in similar.stdout

    shot = run([str(studio), "--screenshot", "window.png", "--size", "800x600"], tmp_path, env)
    assert shot.returncode == 0, shot.stderr
    assert (tmp_path / "window.png").stat().st_size > 10_000

    menu = run([str(studio), "install-desktop"], tmp_path, env)
    assert menu.returncode == 0, menu.stderr
    entry = Path(env["XDG_DATA_HOME"]) / "applications" / f"{app_id}.desktop"
    assert f"Exec={studio} %f" in entry.read_text().splitlines()

    train = run([str(studio), "train", "gan", "--data", "music21", "--epochs", "1",
                 "--out", "runs"], tmp_path, env)  # fmt: skip
    assert train.returncode != 0 and "Traceback" not in train.stderr
    assert "pip install 'motif-studio[train]'" in train.stderr
