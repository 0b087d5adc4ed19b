"""Ideas that learn from you, through the engine: reactions to generated ideas stored in a real
library file, Generate ranking its candidates by them, and "More like this"; with the shipped
melody model."""

from __future__ import annotations

import numpy as np
import pytest

from studio.core.errors import InvalidInput
from studio.core.idea_features import FEATURE_VERSION, NAMES, idea_id
from studio.core.theory import Key
from studio.engine import MAX_IDEA_CANDIDATES, Engine
from studio.generation.generator import VARY_DISTANCE, GenerationSettings, MelodyGenerator
from studio.generation.idea_reading import melody_features, melody_id
from studio.recommend import idea_taste
from studio.recommend.idea_taste import EXPLORE_SHARE, OVERGENERATE

REQUEST = GenerationSettings(bars=4, key=Key.parse("G"))
REGISTER = NAMES.index("register")


@pytest.fixture(scope="module")
def generator() -> MelodyGenerator:
    """The shipped model, loaded once for every engine of this module."""
    return MelodyGenerator()


def open_engine(path, generator) -> Engine:
    engine = Engine(db_path=path, settings={"profile": "default"})
    engine._generator = generator  # the loaded model: not once per test
    return engine


@pytest.fixture
def engine(tmp_path, generator):
    with open_engine(tmp_path / "library.sqlite", generator) as engine:
        yield engine


@pytest.fixture(scope="module")
def ideas(generator):
    """Eight ideas to react to (seeds 500–507)."""
    return generator.generate(REQUEST, count=8, seed=500)


def notes_of(melodies) -> list:
    return [melody.notes for melody in melodies]


def unranked_rows(count: int) -> int:
    return int(count * EXPLORE_SHARE)


def test_without_reactions_ideas_are_what_generate_gives(engine):
    batch = engine.generate_ideas(REQUEST, 4, seed=10)
    plain = engine.generate(REQUEST, 4, seed=10)
    assert notes_of(batch.melodies) == notes_of(plain)
    assert [m.seed for m in batch.melodies] == [10, 11, 12, 13]
    assert batch.reasons == [""] * 4 and batch.ranked == [False] * 4
    assert (batch.considered, batch.kept_ideas, batch.problem) == (4, 0, "")
    assert not engine.db_path.exists()  # asking for a taste creates no library


def test_after_likes_more_candidates_are_considered(engine, ideas):
    for melody in ideas[:3]:
        engine.record_idea(melody, "like")
    batch = engine.generate_ideas(REQUEST, 8, seed=100)
    assert batch.considered == 8 * OVERGENERATE and batch.kept_ideas == 3
    assert len(batch.melodies) == len(batch.reasons) == len(batch.ranked) == 8
    candidates = notes_of(engine.generate(REQUEST, batch.considered, seed=100))
    assert all(notes in candidates for notes in notes_of(batch.melodies))
    assert len(set(notes_of(batch.melodies))) == 8
    assert all(100 <= m.seed < 100 + batch.considered for m in batch.melodies)
    ranked = 8 - unranked_rows(8)
    assert batch.ranked == [True] * ranked + [False] * (8 - ranked)
    assert batch.reasons[ranked:] == [""] * (8 - ranked)


def test_candidates_are_capped(engine, ideas):
    engine.record_idea(ideas[0], "like")
    count = MAX_IDEA_CANDIDATES // OVERGENERATE + 4
    batch = engine.generate_ideas(REQUEST, count, seed=0)
    assert batch.considered == MAX_IDEA_CANDIDATES
    assert len(batch.melodies) == count


def test_without_ranking_the_ideas_stay_unranked(engine, ideas):
    engine.record_idea(ideas[0], "like")
    batch = engine.generate_ideas(REQUEST, 4, seed=30, rank=False)
    assert notes_of(batch.melodies) == notes_of(engine.generate(REQUEST, 4, seed=30))
    assert batch.considered == 4 and batch.kept_ideas == 0 and batch.ranked == [False] * 4


def test_the_ranked_page_leans_towards_what_was_liked(engine, generator):
    first = generator.generate(REQUEST, count=24, seed=900)
    highest = sorted(first, key=lambda m: melody_features(m)[REGISTER])[-5:]
    for melody in highest:
        engine.record_idea(melody, "like")
    for seed in (1000, 2000):
        batch = engine.generate_ideas(REQUEST, 8, seed=seed)
        candidates = engine.generate(REQUEST, batch.considered, seed=seed)
        shown = [melody_features(m)[REGISTER] for m, was in
                 zip(batch.melodies, batch.ranked, strict=True) if was]  # fmt: skip
        assert np.mean(shown) > np.mean([melody_features(m)[REGISTER] for m in candidates])


def test_marks_follow_likes_dislikes_and_withdrawals(engine, ideas):
    a, b, c = ideas[:3]
    assert engine.idea_marks([a, b, c]) == [None, None, None]
    engine.record_idea(a, "like")
    engine.record_idea(b, "dislike")
    engine.record_idea(c, "open")  # keeps it, but is no mark
    assert engine.idea_marks([a, b, c]) == ["like", "dislike", None]
    engine.record_idea(a, "dislike")  # a change of mind
    assert engine.idea_marks([a]) == ["dislike"]
    assert engine.withdraw_idea(a, "dislike") == 1
    assert engine.withdraw_idea(a, "dislike") == 0
    assert engine.idea_marks([a, b]) == [None, "dislike"]


def test_a_dislike_outweighs_a_keep_of_the_same_idea(engine, ideas):
    engine.record_idea(ideas[0], "open")
    engine.record_idea(ideas[0], "export")
    engine.record_idea(ideas[0], "dislike")
    kept, rejected = engine._idea_taste_examples(None)
    assert kept == [] and len(rejected) == 1
    batch = engine.generate_ideas(REQUEST, 4, seed=7)  # nothing kept: not ranked
    assert batch.considered == 4 and batch.kept_ideas == 0
    engine.record_idea(ideas[1], "add")
    kept, rejected = engine._idea_taste_examples(None)
    assert len(kept) == 1 and len(rejected) == 1
    assert np.allclose(kept[0], melody_features(ideas[1]), atol=1e-4)
    assert engine.generate_ideas(REQUEST, 4, seed=7).kept_ideas == 1


def test_the_taste_reads_only_the_newest_reactions(engine, ideas, monkeypatch):
    for melody in ideas[:4]:
        engine.record_idea(melody, "like")
    monkeypatch.setattr(idea_taste, "MAX_REACTIONS", 2)
    kept, _ = engine._idea_taste_examples(None)
    newest = [melody_features(m).astype(np.float32) for m in ideas[2:4]]
    assert len(kept) == 2
    assert all(np.array_equal(k, n) for k, n in zip(kept, newest, strict=True))


def test_reactions_belong_to_one_profile(engine, ideas):
    engine.catalog  # noqa: B018 (creates the library, which profiles need)
    engine.create_profile("Anna")
    engine.record_idea(ideas[0], "like", profile="Anna")
    assert engine.idea_marks([ideas[0]]) == [None]
    assert engine.idea_marks([ideas[0]], profile="Anna") == ["like"]
    assert engine.generate_ideas(REQUEST, 4, seed=3).kept_ideas == 0
    assert engine.generate_ideas(REQUEST, 4, seed=3, profile="Anna").kept_ideas == 1
    with pytest.raises(InvalidInput, match="profile"):
        engine.record_idea(ideas[0], "like", profile="nobody")


def test_a_reaction_keeps_what_the_taste_needs(engine, ideas):
    melody = ideas[5]
    reaction = engine.record_idea(melody, "like")
    features = melody_features(melody)
    assert reaction.idea == melody_id(melody) == idea_id(engine.idea_song(melody))
    assert reaction.feature_version == FEATURE_VERSION
    assert np.allclose(reaction.features, features, atol=1e-4)
    assert reaction.latents.shape == melody.latents.shape
    assert reaction.seed == melody.seed == 505
    assert reaction.valence == pytest.approx(features[NAMES.index("valence")])
    assert reaction.settings["key"] == "G major" and reaction.settings["like"] is None
    with pytest.raises(InvalidInput, match="unknown idea reaction"):
        engine.record_idea(melody, "love")


def test_more_like_this_varies_the_idea(engine, ideas):
    original = ideas[6]
    varied = engine.more_like(original, 3, seed=4)
    assert [m.like for m in varied] == [(4, VARY_DISTANCE), (5, VARY_DISTANCE), (6, VARY_DISTANCE)]
    assert all(m.form == original.form and m.chords == original.chords for m in varied)
    assert engine.more_like(original, 1, distance=0.0)[0].notes == original.notes
    reaction = engine.record_idea(varied[0], "like")
    assert reaction.settings["like"] == [4, VARY_DISTANCE]
    assert reaction.idea != melody_id(original)


def test_reactions_survive_reopening_the_library(tmp_path, generator, ideas):
    path = tmp_path / "library.sqlite"
    with open_engine(path, generator) as engine:
        engine.record_idea(ideas[0], "like")
        engine.record_idea(ideas[1], "dislike")
    assert path.is_file()
    with open_engine(path, generator) as engine:
        assert engine.idea_marks(ideas[:3]) == ["like", "dislike", None]
        batch = engine.generate_ideas(REQUEST, 4, seed=1)
        assert batch.kept_ideas == 1 and batch.considered == 4 * OVERGENERATE


def test_forgetting_a_profile_counts_and_removes_its_idea_reactions(engine, ideas):
    engine.record_idea(ideas[0], "like")
    engine.create_profile("Anna")
    engine.record_idea(ideas[1], "dislike")
    engine.record_idea(ideas[2], "open")
    engine.record_idea(ideas[2], "open")  # events repeat
    engine.record_idea(ideas[3], "like", profile="Anna")
    assert engine.events_to_forget("default") == 4
    assert engine.events_to_forget("Anna") == 1
    assert engine.forget_profile("default") == 4
    assert engine.events_to_forget("default") == 0
    assert engine.idea_marks(ideas[:2]) == [None, None]
    assert engine.generate_ideas(REQUEST, 4, seed=2).kept_ideas == 0
    assert engine.idea_marks([ideas[3]], profile="Anna") == ["like"]
