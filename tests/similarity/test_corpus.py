"""The written corpus: file names from the whole corpus path, pieces and held-out roles."""

from pathlib import Path

from studio.similarity import corpus as C


def test_movements_of_two_quartets_get_two_names_and_their_own_pieces():
    root = "/usr/lib/python3/music21/corpus"
    first = C.written_name(f"{root}/mozart/k155/movement1.mxl", "mozart", 0, 1)
    second = C.written_name(f"{root}/mozart/k156/movement1.mxl", "mozart", 0, 1)
    assert first == ("k155-movement1.mid", "k155")
    assert second == ("k156-movement1.mid", "k156")
    # a .krn and an .mxl of one movement write one file
    assert C.written_name(f"{root}/mozart/k155/movement1.krn", "mozart", 0, 1) == first
    # each tune of a book is its own piece
    assert C.written_name(f"{root}/airdsAirs/book1.abc", "airdsAirs", 7, 120) == (
        "book1-007.mid",
        "book1-007",
    )


def test_style_files_are_whole_pieces_and_never_trained_on():
    files = [
        C.CorpusFile(Path(f"mozart/k{k}-movement{m}.mid"), "mozart", "", "train", f"k{k}")
        for k in range(20)
        for m in range(4)
    ]
    files += [
        C.CorpusFile(Path(f"bach/bwv{n}.mid"), "bach", "Jesu", "train", f"bwv{n}") for n in (1, 2)
    ]
    roles = C._assign_roles(files)
    by_piece: dict[str, set[str]] = {}
    for f in roles:
        by_piece.setdefault(f.piece, set()).add(f.role)
    assert all(len(r) == 1 for r in by_piece.values()), "a piece was split between roles"
    styled = [f for f in roles if f.role == "style"]
    assert C.STYLE_PER_GROUP <= len(styled) < C.STYLE_PER_GROUP + 4
    assert {f.role for f in roles if f.group == "bach"} == {"versions"}
    assert any(f.role == "train" for f in roles if f.group == "mozart")
