"""The window's code carries a call's context in closures, never on Qt objects.

A task's handler learns which request (row, page, profile) it answers for from the closure it
was attached with (``task.on_success(lambda r: self._show(request_id, r))``). ``sender()`` and
dynamic properties (``setProperty``/``property``) were the old way: untyped, invisible to mypy,
and wrong as soon as two calls overlap. This scans every module under ``desktop_app/ui``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import desktop_app.ui

UI_DIR = Path(desktop_app.ui.__file__).resolve().parent
#: Methods that fetch or stash context on a Qt object instead of binding it in a closure.
FORBIDDEN = frozenset({"sender", "senderSignalIndex", "setProperty", "property"})


def _calls(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        # Attribute calls only: the builtin ``property(...)`` is not a Qt property.
        func = node.func if isinstance(node, ast.Call) else None
        if isinstance(func, ast.Attribute) and func.attr in FORBIDDEN:
            found.append((func.lineno, func.attr))
    return found


def test_no_ui_module_uses_sender_or_dynamic_properties() -> None:
    modules = sorted(UI_DIR.rglob("*.py"))
    assert len(modules) > 20  # the scan reads the real package, not an empty folder
    offenders = [
        f"{path.relative_to(UI_DIR.parent.parent)}:{line} {name}()"
        for path in modules
        for line, name in _calls(ast.parse(path.read_text(encoding="utf-8"), str(path)))
    ]
    assert offenders == []


def test_the_scan_finds_each_forbidden_call() -> None:
    source = (
        "def slot(self):\n"
        "    rid = self.sender().property('request_id')\n"
        "    task.setProperty('row', 3)\n"
        "    QObject.sender(self)\n"
    )
    assert sorted(name for _line, name in _calls(ast.parse(source))) == [
        "property", "sender", "sender", "setProperty",
    ]  # fmt: skip
    assert _calls(ast.parse("task.on_success(lambda r: show(rid, r))\nx = property(f)")) == []
