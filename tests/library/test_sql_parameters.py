"""Every SQL statement in ``studio`` takes values as parameters (issue 18).

The test reads every module with ``ast`` (importing nothing) and finds each call of
``execute``, ``executemany``, ``executescript`` or a catalog's ``rows``. A statement written as
one string literal cannot carry a user's text. The few built at run time are listed below, each
checked by hand: they splice in only placeholders (``?, ?, ?``), column names from the code, or
a number. A new statement built at run time fails here until someone has looked at it and added
it to the list.
"""

from __future__ import annotations

import ast
from pathlib import Path

STUDIO = Path(__file__).resolve().parents[2] / "studio"
SQL_CALLS = {"execute", "executemany", "executescript", "rows"}

REVIEWED = {  # (module, the statement's source with its white space collapsed)
    # the schema step number (an int from the upgrade loop); PRAGMA takes no parameters
    ("library/schema.py", 'f"PRAGMA user_version={step + 1}"'),
    # triggers for the table and event names of two literal tuples
    ("library/schema.py",
     'f"CREATE TRIGGER {table}_{event.lower()}_bumps AFTER {event} ON {table} " '
     '"BEGIN UPDATE meta SET value = value + 1 WHERE key = \'music_version\'; END"'),
    # Catalog.execute and Catalog.rows pass a statement on: their callers are checked here
    ("library/catalog.py", "sql"),
    # ``sql``: a literal, plus " AND at >= ?" and one "?" per kind (kinds checked against KINDS)
    ("library/feedback.py", 'sql + " ORDER BY at, id"'),
    # columns from METADATA_COLUMNS (other keys raise), values as :named parameters
    ("library/catalog.py",
     'f"INSERT INTO tracks ({columns}) VALUES ({marks}) " '
     'f"ON CONFLICT (path) DO UPDATE SET {updates}"'),
    # one "?" per id
    ("library/catalog.py", 'f"DELETE FROM tracks WHERE id IN ({marks})"'),
    ("library/catalog.py",
     'f"SELECT track_id, traits FROM embeddings WHERE model_version = ? " '
     'f"AND traits IS NOT NULL AND track_id IN ({marks})"'),
    # a constant list of columns
    ("library/table.py", 'f"SELECT {_TRACK_COLUMNS} FROM tracks ORDER BY id"'),
}  # fmt: skip


def _is_literal(node: ast.expr) -> bool:
    """A string literal, or literals joined by implicit concatenation or ``+``."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_literal(node.left) and _is_literal(node.right)
    return False


def _built_statements(root: Path = STUDIO) -> set[tuple[str, str]]:
    """``(module, source)`` of every SQL statement under ``root`` that is not a plain string
    literal."""
    found = set()
    for path in sorted(root.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in SQL_CALLS or not node.args:
                continue
            statement = node.args[0]
            sql = ast.unparse(node.func.value).endswith("catalog") or _is_literal(statement)
            if node.func.attr == "rows" and not (sql or isinstance(statement, ast.JoinedStr)):
                continue  # another kind of ``rows`` (say ``TrackTable.rows(ids)``)
            if not _is_literal(statement):
                module = path.relative_to(root).as_posix()
                text = " ".join(ast.get_source_segment(source, statement).split())
                found.add((module, text))
    return found


def test_sql_built_at_run_time_is_only_what_was_reviewed():
    built = _built_statements()
    assert built - REVIEWED == set(), "new SQL built at run time: check it, then list it here"
    assert REVIEWED - built == set(), "a reviewed statement is gone: take it off the list"


def test_the_check_finds_a_statement_built_from_text(tmp_path):
    module = tmp_path / "library" / "bad.py"
    module.parent.mkdir()
    module.write_text(
        "def find(db, title):\n"
        "    db.execute(\"SELECT id FROM tracks WHERE title = 'x'\")\n"
        "    return db.execute(f\"SELECT id FROM tracks WHERE title LIKE '%{title}%'\")\n"
    )
    assert _built_statements(tmp_path) == {
        ("library/bad.py", "f\"SELECT id FROM tracks WHERE title LIKE '%{title}%'\"")
    }
