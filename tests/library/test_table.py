"""The library table and its search: a real catalog built by indexing real MIDI files,
feedback recorded through the feedback store, then columns, search and sort as the library pane
uses them."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from studio.core.midi_write import write_midi
from studio.core.music import KeySignature, Note, Song, TempoChange, TimeSignature, Track
from studio.core.theory import Key
from studio.library import feedback
from studio.library.catalog import Catalog
from studio.library.indexer import index_folders
from studio.library.search import Query, normalize, parse_key, parse_query, parse_tempo
from studio.library.table import (
    LIBRARY_COLUMNS,
    format_duration,
    instrument_names,
    library_rows,
    library_version,
)


def scale_notes(tonic: int, beats: int, minor: bool = False) -> tuple[Note, ...]:
    """One quarter note a beat up the scale of ``tonic`` (MIDI pitch), ``beats`` long."""
    steps = (0, 2, 3, 5, 7, 8, 10) if minor else (0, 2, 4, 5, 7, 9, 11)
    return tuple(Note(tonic + steps[i % 7] + 12 * (i // 7), i, 1.0, 90) for i in range(beats))


def write(folder, name, *, title="", key=None, tempo=120.0, meter=(4, 4), tracks=None, beats=8):
    """A MIDI file whose music lasts exactly ``beats`` beats."""
    mode = "minor" if key and "minor" in key.mode else "major"
    stated = (KeySignature(0, key.tonic, mode),) if key else ()
    song = Song(
        tracks or (Track(scale_notes(60 + (key.tonic if key else 0), beats)),),
        tempos=(TempoChange(0, tempo),),
        time_signatures=(TimeSignature(0, *meter),),
        key_signatures=stated,
        title=title,
    )
    write_midi(song, folder / name)


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """A catalog of six files: four good ones, one damaged, one whose file vanished."""
    folder = tmp_path_factory.mktemp("table-music")
    (folder / "bach").mkdir()
    chorale = (Track(scale_notes(62, 8, minor=True), program=0),
               Track(scale_notes(50, 8, minor=True), program=40))  # fmt: skip
    write(folder / "bach", "jesu.mid", title="Jesu, meine Freude", key=Key.parse("D minor"),
          tempo=90.0, tracks=chorale)  # fmt: skip
    write(folder, "egloga.mid", title="Égloga Nº 2", key=Key.parse("Bb major"), tempo=110.0,
          meter=(3, 4), tracks=(Track(scale_notes(70, 12), program=73),), beats=12)  # fmt: skip
    drums = (Track(scale_notes(66, 6), program=0),
             Track(tuple(Note(36, i, 0.5, 100) for i in range(6)), is_drum=True))  # fmt: skip
    write(folder, "tune 10.mid", key=Key.parse("F# major"), tempo=120.0, meter=(6, 8),
          tracks=drums, beats=6)  # fmt: skip
    write(folder, "tune 2.mid", tempo=140.0, beats=16)
    write(folder, "gone.mid", title="Gone Tune", tempo=100.0)
    (folder / "broken.mid").write_bytes(b"MThd\x00\x00")
    path = tmp_path_factory.mktemp("table-db") / "lib.sqlite"
    with Catalog(path) as catalog:
        index_folders(catalog, [folder], workers=1)
        (folder / "gone.mid").unlink()
        index_folders(catalog, [folder], workers=1)
        ids = {t.display_path.rpartition("/")[2]: t.id for t in catalog.tracks()}
        feedback.create_profile(catalog, "anna")
        feedback.record(catalog, ids["jesu.mid"], "like", profile="default", at=10.0)
        feedback.record(catalog, ids["tune 2.mid"], "like", profile="default", at=11.0)
        feedback.record(catalog, ids["tune 2.mid"], "dislike", profile="default", at=12.0)
        for at in (13.0, 14.0, 15.0):
            feedback.record(catalog, ids["egloga.mid"], "play", profile="default", at=at)
        feedback.record(catalog, ids["tune 10.mid"], "like", profile="anna", at=16.0)
        feedback.record(catalog, ids["tune 10.mid"], "play", profile="anna", value=0.5, at=17.0)
    return path, ids, folder


@pytest.fixture
def catalog(library):
    with Catalog(library[0]) as catalog:
        yield catalog


@pytest.fixture
def rows(catalog):
    return library_rows(catalog, "default")


def row(rows, library, name: str) -> int:
    return rows.row_of(library[1][name])


def titles(rows, indices) -> list[str]:
    return [rows.title[i] for i in indices]


# -- the columns -------------------------------------------------------------------------------


def test_one_row_per_track_in_id_order_with_its_columns(rows, library):
    ids = library[1]
    assert list(rows.ids) == sorted(ids.values()) and rows.ids.dtype == np.int64
    assert len(rows) == 6 and rows.profile == "default"
    jesu = row(rows, library, "jesu.mid")
    assert rows.title[jesu] == "Jesu, meine Freude"
    assert rows.display_path[jesu] == str(library[2] / "bach" / "jesu.mid")
    assert rows.duration[jesu] == pytest.approx(8 * 60 / 90, abs=0.01)
    assert rows.tempo[jesu] == 90.0
    assert rows.key[jesu] == "D minor" and rows.meter[jesu] == "4/4"
    assert rows.instruments[jesu] == "Acoustic Grand Piano, Violin"
    assert rows.notes[jesu] == 16 and rows.status[jesu] == "ok" and rows.error[jesu] == ""
    assert time.time() - 600 < rows.added[jesu] <= time.time()
    tune = row(rows, library, "tune 10.mid")
    assert rows.title[tune] == "tune 10"  # no title in the file: its name without extension
    assert rows.instruments[tune] == "Acoustic Grand Piano, Drums"
    assert (rows.key[tune], rows.meter[tune]) == ("Gb major", "6/8")  # six flats or sharps
    estimated = row(rows, library, "tune 2.mid")
    assert rows.key[estimated] == "C major"  # no key signature: the estimated key


def test_damaged_and_missing_tracks_have_unknowns_and_a_reason(rows, library):
    broken = row(rows, library, "broken.mid")
    assert rows.status[broken] == "error" and "truncated" in rows.error[broken].lower()
    assert rows.title[broken] == "broken"
    assert math.isnan(rows.duration[broken]) and math.isnan(rows.tempo[broken])
    assert rows.notes[broken] == -1 and rows.key[broken] == "" and rows.meter[broken] == ""
    assert [rows.text(broken, c) for c in ("duration", "tempo", "notes", "key")] == [""] * 4
    gone = row(rows, library, "gone.mid")
    assert rows.status[gone] == "missing" and rows.title[gone] == "Gone Tune"


def test_reactions_are_the_latest_like_or_dislike_and_plays_are_counted(catalog, library):
    rows = library_rows(catalog, "default")
    reaction = {name: int(rows.reaction[row(rows, library, name)]) for name in library[1]}
    assert reaction == {"jesu.mid": 1, "tune 2.mid": -1, "egloga.mid": 0, "tune 10.mid": 0,
                        "gone.mid": 0, "broken.mid": 0}  # fmt: skip
    assert rows.plays[row(rows, library, "egloga.mid")] == 3 and rows.plays.sum() == 3
    anna = library_rows(catalog, "anna")
    assert anna.profile == "anna"
    assert anna.reaction[row(anna, library, "tune 10.mid")] == 1 and anna.reaction.sum() == 1
    assert anna.plays[row(anna, library, "tune 10.mid")] == 1 and anna.plays.sum() == 1
    nobody = library_rows(catalog, "no such profile")
    assert not nobody.reaction.any() and not nobody.plays.any()


def test_cells_as_the_table_shows_them(rows, library):
    jesu, egloga = row(rows, library, "jesu.mid"), row(rows, library, "egloga.mid")
    assert rows.text(jesu, "title") == "Jesu, meine Freude"
    assert rows.text(jesu, "duration") == "0:05"
    assert rows.text(egloga, "duration") == "0:07"  # 12 beats at 110 BPM: 6.5 s
    assert rows.text(jesu, "tempo") == "90"
    assert rows.text(jesu, "key") == "D minor" and rows.text(egloga, "meter") == "3/4"
    assert rows.text(jesu, "notes") == "16"
    assert rows.text(jesu, "reaction") == "♥" and rows.text(row(rows, library, "tune 2.mid"),
                                                              "reaction") == "✕"  # fmt: skip
    assert rows.text(egloga, "reaction") == "" and rows.text(egloga, "plays") == "3"
    assert rows.text(jesu, "plays") == ""
    moment = time.localtime(float(rows.added[jesu]))
    assert rows.text(jesu, "added") == f"{moment.tm_mday} {time.strftime('%b %Y', moment)}"
    with pytest.raises(ValueError, match="unknown library column"):
        rows.text(jesu, "colour")


def test_the_mood_column_words_search_and_sort(rows, library):
    jesu, egloga = row(rows, library, "jesu.mid"), row(rows, library, "egloga.mid")
    assert rows.valence[jesu] < 0 < rows.valence[egloga]  # D minor against B flat major
    assert "dark" in rows.text(jesu, "mood") and "bright" in rows.text(egloga, "mood")
    broken = row(rows, library, "broken.mid")
    assert math.isnan(rows.valence[broken]) and rows.text(broken, "mood") == ""
    assert titles(rows, rows.view("dark")) == ["Jesu, meine Freude"]
    assert "Égloga Nº 2" in titles(rows, rows.view("bright"))
    assert "Jesu, meine Freude" not in titles(rows, rows.view("happy"))  # a near word
    assert titles(rows, rows.view("sad jesu")) == ["Jesu, meine Freude"]
    by_mood = rows.view(column="mood")
    assert titles(rows, by_mood)[0] == "Jesu, meine Freude"  # dark to bright
    assert rows.status[by_mood[-1]] != "ok"  # no mood: last
    assert parse_query("calm dark songs") == Query(words=("songs",), moods=("calm", "dark"))
    point = f"mood:{rows.valence[jesu]:.2f},{rows.arousal[jesu]:.2f}"
    assert "Jesu, meine Freude" in titles(rows, rows.view(point))
    assert "Égloga Nº 2" not in titles(rows, rows.view(point))  # far away on the map
    assert parse_query("mood:-0.5,0.25 x").mood_points == ((-0.5, 0.25),)
    assert parse_query("mood:-3,0").mood_points == ((-1.0, 0.0),)  # kept on the map


def test_a_region_of_the_mood_map_is_the_tracks_inside_it(rows, library):
    query = parse_query("mood:0.5,0.9:-2,-0.1 x")  # corners in any order, kept on the map
    assert query.mood_regions == ((-1.0, -0.1, 0.5, 0.9),) and query.words == ("x",)
    valence, arousal = rows.valence, rows.arousal
    has_mood = ~np.isnan(valence)
    low, high = float(np.nanmin(valence)), float(np.nanmax(valence))
    middle = (low + high) / 2
    region = f"mood:{low - 0.01:.2f},-1:{middle:.2f},1"  # the darker half, any arousal
    inside = {rows.title[r] for r in range(len(rows)) if has_mood[r] and valence[r] <= middle}
    outside = {
        rows.title[r] for r in range(len(rows)) if has_mood[r] and valence[r] > middle + 0.01
    }
    shown = titles(rows, rows.view(region))
    assert inside and outside and set(shown) >= inside and not set(shown) & outside
    a_low, a_high = float(np.nanmin(arousal)), float(np.nanmax(arousal))
    thin = f"mood:-1,{a_high + 0.01:.2f}:1,1"  # above every track's arousal: none
    assert a_low <= a_high and titles(rows, rows.view(thin)) == []


def test_row_of_unknown_ids(rows):
    assert rows.row_of(int(rows.ids[-1]) + 1) is None and rows.row_of(0) is None
    assert rows.row_of(int(rows.ids[3])) == 3


# -- search ------------------------------------------------------------------------------------


def test_words_are_anded_case_and_accent_blind_over_title_path_and_instruments(rows):
    assert titles(rows, rows.view("egloga")) == ["Égloga Nº 2"]
    assert titles(rows, rows.view("ÉGLOGA no 2")) == ["Égloga Nº 2"]
    assert titles(rows, rows.view("tune")) == ["Gone Tune", "tune 2", "tune 10"]
    assert titles(rows, rows.view("tune gone")) == ["Gone Tune"]  # the file name matches too
    assert titles(rows, rows.view("bach")) == ["Jesu, meine Freude"]  # its folder
    assert titles(rows, rows.view("violin")) == ["Jesu, meine Freude"]
    assert titles(rows, rows.view("drums tune")) == ["tune 10"]
    assert titles(rows, rows.view("bach/je")) == ["Jesu, meine Freude"]  # across the folder
    assert titles(rows, rows.view("3/4")) == ["Égloga Nº 2"]  # the meter
    assert len(rows.view("zzz")) == 0 and len(rows.view("   ")) == 6


def test_the_folder_every_track_shares_matches_no_word(tmp_path):
    """A library in /home/gowan/Music: "gowan" and "music" are not in any track; the folders
    inside the library are, and a path fragment still matches across the whole path."""
    home = tmp_path / "gowan" / "Music"
    (home / "reels").mkdir(parents=True)
    write(home / "reels", "a.mid", title="Drowsy Maggie")
    write(home, "b.mid", title="Music for a Found Harmonium")
    with Catalog(tmp_path / "lib.sqlite") as catalog:
        index_folders(catalog, [home], workers=1)
        rows = library_rows(catalog, "default")
    assert len(rows.view("gowan")) == 0
    assert titles(rows, rows.view("music")) == ["Music for a Found Harmonium"]  # its title
    assert titles(rows, rows.view("reels")) == ["Drowsy Maggie"]  # a folder in the library
    assert titles(rows, rows.view("gowan/music/reels")) == ["Drowsy Maggie"]


def test_key_forms_match_that_key_exactly(rows):
    for query in ("D minor", "Dm", "d min", "d m", "D MINOR"):
        assert titles(rows, rows.view(query)) == ["Jesu, meine Freude"], query
    assert titles(rows, rows.view("Bb")) == ["Égloga Nº 2"]
    assert titles(rows, rows.view("A# major")) == ["Égloga Nº 2"]  # the same pitch class
    assert titles(rows, rows.view("F# major")) == ["tune 10"]  # stored as "Gb major"
    assert titles(rows, rows.view("f#")) == ["tune 10"] == titles(rows, rows.view("gb"))
    assert len(rows.view("D major")) == 0 and len(rows.view("Bb minor")) == 0


def test_tempo_ranges_and_reactions(rows):
    assert titles(rows, rows.view("100-120")) == ["Égloga Nº 2", "Gone Tune", "tune 10"]
    assert titles(rows, rows.view("120–101 bpm")) == ["Égloga Nº 2", "tune 10"]
    assert titles(rows, rows.view("120bpm")) == ["tune 10"]
    assert titles(rows, rows.view("140 bpm")) == ["tune 2"]
    assert titles(rows, rows.view("liked")) == ["Jesu, meine Freude"]
    assert titles(rows, rows.view("disliked")) == ["tune 2"]
    assert titles(rows, rows.view("tune liked")) == []
    assert titles(rows, rows.view("80-100 minor")) == ["Jesu, meine Freude"]  # the key's text
    assert titles(rows, rows.view("80-100 d minor")) == ["Jesu, meine Freude"]


def test_text_that_is_almost_special_is_a_plain_word(rows):
    assert titles(rows, rows.view("egloga nº")) == ["Égloga Nº 2"]
    assert titles(rows, rows.view("freude 90")) == []  # a number is a word, not a tempo
    assert len(rows.view("100-")) == 0 and len(rows.view("jesu-")) == 0


# -- sort --------------------------------------------------------------------------------------


def test_sort_by_title_is_natural_and_accent_blind(rows):
    assert titles(rows, rows.view()) == [
        "broken", "Égloga Nº 2", "Gone Tune", "Jesu, meine Freude", "tune 2", "tune 10",
    ]  # fmt: skip
    assert titles(rows, rows.view(descending=True)) == titles(rows, rows.view())[::-1]


def test_unknown_values_sort_last_in_both_directions(rows):
    up = titles(rows, rows.view(column="tempo"))
    down = titles(rows, rows.view(column="tempo", descending=True))
    assert up == ["Jesu, meine Freude", "Gone Tune", "Égloga Nº 2", "tune 10", "tune 2", "broken"]
    assert down == ["tune 2", "tune 10", "Égloga Nº 2", "Gone Tune", "Jesu, meine Freude",
                    "broken"]  # fmt: skip
    assert titles(rows, rows.view(column="key"))[-1] == "broken"
    assert titles(rows, rows.view(column="key", descending=True))[-1] == "broken"
    assert titles(rows, rows.view(column="notes", descending=True))[-1] == "broken"


def test_equal_values_keep_id_order_in_both_directions(rows):
    # Four tracks are in 4/4 (one unknown): ties stay in row order whichever way.
    for descending in (False, True):
        view = rows.view(column="meter", descending=descending)
        four = [int(i) for i in view if rows.meter[i] == "4/4"]
        assert four == sorted(four)
    assert [rows.meter[i] for i in rows.view(column="meter")] == [
        "3/4", "4/4", "4/4", "4/4", "6/8", "",
    ]  # fmt: skip


def test_reaction_and_plays_sort_and_filter_together(rows):
    by_reaction = titles(rows, rows.view(column="reaction", descending=True))
    assert by_reaction[0] == "Jesu, meine Freude" and by_reaction[-1] == "tune 2"
    by_plays = titles(rows, rows.view(column="plays", descending=True))
    in_id_order = [t for t in rows.title if t != "Égloga Nº 2"]
    assert by_plays == ["Égloga Nº 2", *in_id_order]  # 3 plays, then the ties by id
    view = rows.view("", "duration")
    assert view.dtype == np.int64 and sorted(view) == list(range(6))
    for column in LIBRARY_COLUMNS:
        assert sorted(rows.view(column=column)) == list(range(6))
    with pytest.raises(ValueError, match="unknown library column"):
        rows.view(column="colour")


# -- versions and snapshots ----------------------------------------------------------------------


def test_version_moves_with_feedback_tracks_and_profiles(tmp_path, library):
    path = tmp_path / "lib.sqlite"
    with Catalog(path) as catalog:
        index_folders(catalog, [library[2]], workers=1)
        first = library_version(catalog)
        assert library_version(catalog) == first
        track = catalog.tracks("ok")[0].id
        event = feedback.record(catalog, track, "like", profile="default")
        liked = library_version(catalog)
        assert liked != first
        feedback.create_profile(catalog, "ben")
        assert library_version(catalog) != liked
        feedback.forget_profile(catalog, "default")
        forgotten = library_version(catalog)
        assert forgotten[1] == 0
        (library[2] / "new.mid").write_bytes((library[2] / "tune 2.mid").read_bytes())
        try:
            index_folders(catalog, [library[2]], workers=1)
        finally:
            (library[2] / "new.mid").unlink()
        assert library_version(catalog)[0] != forgotten[0]
        assert event.id is not None


def test_a_snapshot_after_feedback_reuses_the_tracks_and_equals_a_fresh_read(tmp_path, library):
    path = tmp_path / "lib.sqlite"
    with Catalog(path) as catalog:
        index_folders(catalog, [library[2]], workers=1)
        before = library_rows(catalog, "default")
        before.view(column="tempo")
        track = int(before.ids[before.status.index("ok")])
        feedback.record(catalog, track, "like", profile="default")
        feedback.record(catalog, track, "play", profile="default")
        after = library_rows(catalog, "default", previous=before)
        fresh = library_rows(catalog, "default")
        assert after.version == fresh.version != before.version
        assert after.title is before.title  # lent, not read again
        for name in ("ids", "duration", "tempo", "notes", "added", "reaction", "plays"):
            np.testing.assert_array_equal(getattr(after, name), getattr(fresh, name))
        assert after.reaction[after.row_of(track)] == 1 and after.plays[after.row_of(track)] == 1
        for column in LIBRARY_COLUMNS:
            for descending in (False, True):
                np.testing.assert_array_equal(
                    after.view("", column, descending), fresh.view("", column, descending)
                )
        assert list(after.view("liked")) == [after.row_of(track)]
        # New tracks: the old snapshot is not reused.
        catalog.remove_tracks([track])
        smaller = library_rows(catalog, "default", previous=after)
        assert len(smaller) == len(after) - 1 and smaller.row_of(track) is None


def test_an_empty_library_has_empty_columns(tmp_path):
    with Catalog(tmp_path / "empty.sqlite") as catalog:
        rows = library_rows(catalog, "default")
    assert len(rows) == 0 and rows.ids.dtype == np.int64
    assert len(rows.view("d minor 100-120 liked", "tempo", True)) == 0
    for column in LIBRARY_COLUMNS:
        assert len(rows.view(column=column)) == 0


# -- the pure parts ------------------------------------------------------------------------------


def test_parse_query_splits_keys_tempos_reactions_and_words():
    assert parse_query("") == Query() and not parse_query("  ")
    parsed = parse_query("Bach  d min 100 – 120 bpm liked Égloga")
    assert parsed == Query(("bach", "egloga"), (Key.parse("D minor"),), ((100.0, 120.0),), (1,))
    assert parse_query("disliked ✕ ♥").reactions == (-1, -1, 1)
    assert parse_query("a minor a").keys == (Key.parse("A minor"),)
    assert parse_query("a minor a").words == ("a",)  # a lone letter is a word
    assert parse_query("F#m jig").keys == (Key.parse("F# minor"),)
    assert parse_query("E♭ major").keys == (Key.parse("Eb major"),)
    assert parse_query("minor").words == ("minor",)
    assert parse_query("120").words == ("120",)


def test_parse_key_and_tempo():
    assert parse_key("Dm") == Key.parse("D minor") == parse_key("d", "minor")
    assert parse_key("bb") == Key.parse("Bb major") == parse_key("Bb", "maj")
    assert parse_key("c#", "moll") == Key.parse("C# minor")
    assert parse_key("dm", "minor") is None and parse_key("h") is None
    assert parse_key("d", "dorian") is None and parse_key("jig") is None
    assert parse_tempo("100-120") == (100.0, 120.0) == parse_tempo("120-100bpm")
    assert parse_tempo("92.5bpm") == (92.0, 93.0)
    assert parse_tempo("120") is None and parse_tempo("fast") is None


def test_normalize_formatting_and_instrument_names():
    assert normalize("Égloga Nº 2") == "egloga no 2"
    assert normalize("STRAßE") == "strasse" and normalize("Ωδή") == "ωδη"
    assert normalize("東京") == "東京"
    assert format_duration(7.4) == "0:07" and format_duration(185) == "3:05"
    assert format_duration(3725) == "1:02:05" and format_duration(float("nan")) == ""
    assert instrument_names([0, 40, 128]) == "Acoustic Grand Piano, Violin, Drums"
    assert instrument_names([]) == ""
