"""SQL only through bound parameters: no query text is ever built from a formatted string."""

from __future__ import annotations

import ast
from pathlib import Path

from bot import config

SQL_CALLS = {"text", "execute", "exec_driver_sql", "literal_column", "from_statement"}


def formatted_sql_calls(source: str) -> list[int]:
    """Line numbers of SQL calls whose first argument is an f-string, `%` or `.format(...)`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name == "text" and isinstance(node.func, ast.Attribute):
            # sqlalchemy's text() is imported by name; `response.text(...)` is a web reply
            name = "text" if getattr(node.func.value, "id", "") in ("sa", "sqlalchemy") else ""
        first = node.args[0]
        built = (
            isinstance(first, ast.JoinedStr)
            or (isinstance(first, ast.BinOp) and isinstance(first.op, (ast.Mod, ast.Add)))
            or (isinstance(first, ast.Call) and getattr(first.func, "attr", "") == "format")
        )
        if name in SQL_CALLS and built:
            found.append(node.lineno)
    return found


def test_the_checker_finds_formatted_sql() -> None:
    assert formatted_sql_calls('session.execute(text(f"SELECT * FROM t WHERE a = {x}"))') == [1]
    assert formatted_sql_calls('conn.exec_driver_sql("DELETE FROM t WHERE id = %s" % x)') == [1]
    assert formatted_sql_calls("session.execute(select(T).where(T.a == x))") == []


def test_no_formatted_sql_in_the_application() -> None:
    offenders = {
        str(path.relative_to(config.PROJECT_ROOT)): lines
        for folder in ("bot", "actions")
        for path in sorted((config.PROJECT_ROOT / folder).rglob("*.py"))
        if (lines := formatted_sql_calls(Path(path).read_text(encoding="utf-8")))
    }
    assert offenders == {}
