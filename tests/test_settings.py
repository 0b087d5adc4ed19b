"""User settings: defaults, changes, a damaged file, and the `studio settings` command."""

from __future__ import annotations

import json

import pytest

from studio.core.errors import InvalidInput
from studio.settings import OPTIONS, load_settings, set_setting, settings_notices


@pytest.fixture
def config(tmp_path, monkeypatch):
    path = tmp_path / "config" / "settings.json"
    monkeypatch.setenv("MOTIF_STUDIO_CONFIG", str(path))
    return path


def test_defaults_then_set_and_reset(config):
    values, warning = load_settings()
    assert warning is None and values == {k: o.default for k, o in OPTIONS.items()}
    assert set_setting("audio_blocksize", "1024") == 1024
    assert set_setting("soundfont", "/music/Piano.sf2") == "/music/Piano.sf2"
    stored = json.loads(config.read_text())
    assert stored == {
        "version": 1, "values": {"audio_blocksize": 1024, "soundfont": "/music/Piano.sf2"}
    }  # fmt: skip
    assert load_settings()[0]["audio_blocksize"] == 1024
    set_setting("audio_blocksize", None)
    assert json.loads(config.read_text())["values"] == {"soundfont": "/music/Piano.sf2"}


@pytest.mark.parametrize(
    ("key", "value"), [("audio_blocksize", "12"), ("sample_rate", "fast"), ("volume", "3")]
)
def test_bad_values_and_keys_are_refused(config, key, value):
    with pytest.raises(InvalidInput):
        set_setting(key, value)
    assert not config.exists()


def test_a_damaged_file_is_set_aside_and_the_defaults_are_used_once_said(config):
    config.parent.mkdir(parents=True)
    config.write_bytes(b'{"version": 1, "values": {"audio_blocksize": 10\xff')
    values, warning = load_settings()
    assert values["audio_blocksize"] == 512
    assert "was damaged" in warning and "settings.json.bad" in warning
    aside = config.with_name("settings.json.bad")
    assert aside.read_bytes().endswith(b"10\xff") and not config.exists()
    assert settings_notices() == [warning] and settings_notices() == []
    assert load_settings() == (values, None)  # said once
    set_setting("sample_rate", "48000")  # saving the defaults leaves the damaged file alone
    assert aside.read_bytes().endswith(b"10\xff")


def test_a_command_says_the_settings_were_set_aside(studio, config):
    config.parent.mkdir(parents=True)
    config.write_text("[1, 2")
    result = studio("settings", "sample_rate")
    assert result.returncode == 0 and "44100 (default)" in result.stdout
    (line,) = result.stderr.splitlines()
    assert line.startswith("studio: warning: settings file") and "settings.json.bad" in line
    assert config.with_name("settings.json.bad").read_text() == "[1, 2"


def test_settings_command(studio, config):
    assert studio("settings", "sample_rate", "48000").returncode == 0
    listed = studio("settings")
    assert (
        "sample_rate      48000" in listed.stdout
        and "audio_blocksize  512 (default)" in listed.stdout
    )
    document = json.loads(studio("settings", "sample_rate", "--json").stdout)
    assert document == {"path": str(config), "settings": {"sample_rate": 48000}}
    assert studio("settings", "sample_rate", "--reset").returncode == 0
    assert load_settings()[0]["sample_rate"] == 44100
    bad = studio("settings", "volume", "11")
    assert bad.returncode == 2 and "unknown setting 'volume'" in bad.stderr
    bad = studio("settings", "audio_blocksize", "lots")
    assert bad.returncode == 2 and "not a whole number" in bad.stderr


def test_render_uses_the_soundfont_and_rate_settings(studio, config, data_dir, tmp_path):
    set_setting("soundfont", str(tmp_path / "missing.sf2"))
    set_setting("sample_rate", "22050")
    out = tmp_path / "out.wav"
    result = studio("render", str(data_dir / "running_status.mid"), "-o", str(out), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["sample_rate"] == 22050
    assert "missing.sf2" in result.stderr and "default" in result.stderr  # warned, fell back
