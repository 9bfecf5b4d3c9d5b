"""Every text a person can read in the window: the widget walker the acceptance tests use.

:func:`shown_texts` walks every visible top-level window of the application (the main window, the
Settings dialog when open) and yields each text a person can see or hover, with where it is:
window titles, labels, buttons, line edits as displayed (a password or presenter-masked field
shows its bullets), combo boxes and their items, group box and tab titles, tooltips, the status
bar's message, menu and toolbar actions, and every item of every item view (text and tooltip,
header included). What is inside a "Details" disclosure is skipped: that is the one place the
API's own words and technical causes may be (:class:`DetailsDisclosure`).

:func:`technical_leaks` then names what a person must never read there: an exception class name
(the app's error tree, builtins, httpx and httpcore), "Errno", "status N:" or the API's own error
text.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from desktop_app.domain.errors import VerifyDeskError
from desktop_app.ui.details_disclosure import DetailsDisclosure

_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)


@dataclass(frozen=True)
class Shown:
    """One text as a person meets it: where (a widget's class and name) and what."""

    where: str
    text: str

    def __str__(self) -> str:
        return f"{self.where}: {self.text!r}"


def _where(widget: QWidget) -> str:
    name = widget.accessibleName() or widget.objectName()
    return f"{type(widget).__name__}({name})" if name else type(widget).__name__


def _in_disclosure(widget: QWidget) -> bool:
    parent: Any = widget
    while parent is not None:
        if isinstance(parent, DetailsDisclosure):
            return True
        parent = parent.parentWidget()
    return False


def _count(method: Any, parent: QModelIndex) -> int | None:
    try:
        return int(method(parent))
    except TypeError:  # list and table models keep some of these private
        return None


def _model_texts(model: QAbstractItemModel, parent: QModelIndex) -> Iterator[str]:
    rows = _count(model.rowCount, parent) or 0
    columns = _count(model.columnCount, parent) or 1
    for row in range(rows):
        for column in range(columns):
            index = model.index(row, column, parent)
            for role in _ROLES:
                value = model.data(index, role)
                if value:
                    yield str(value)
            if column == 0 and _count(model.hasChildren, index):
                yield from _model_texts(model, index)


def _view_texts(view: QAbstractItemView) -> Iterator[str]:
    model = view.model()
    if model is None:
        return
    yield from _model_texts(model, QModelIndex())
    for column in range(_count(model.columnCount, QModelIndex()) or 1):
        header = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        if header:
            yield str(header)


def _widget_texts(widget: QWidget) -> Iterator[str]:
    yield widget.toolTip()
    if widget.isWindow():
        yield widget.windowTitle()
    if isinstance(widget, QLabel | QAbstractButton):
        yield widget.text()
    if isinstance(widget, QLineEdit):
        yield widget.displayText()  # what is on screen: a masked field shows its bullets
        if not widget.text():
            yield widget.placeholderText()
    if isinstance(widget, QComboBox):
        yield widget.currentText()
        yield from (widget.itemText(i) for i in range(widget.count()))
    if isinstance(widget, QTextEdit | QPlainTextEdit):
        yield widget.toPlainText()
    if isinstance(widget, QGroupBox):
        yield widget.title()
    if isinstance(widget, QTabWidget):
        for i in range(widget.count()):
            yield from (widget.tabText(i), widget.tabToolTip(i))
    if isinstance(widget, QAbstractItemView):
        yield from _view_texts(widget)
    if isinstance(widget, QMainWindow):
        yield widget.statusBar().currentMessage()
    if isinstance(widget, QMenu):
        for action in widget.actions():
            yield from (action.text(), action.toolTip())


def shown_texts(app: QApplication | None = None) -> list[Shown]:
    """Every text a person can read now in the application's visible windows (see the module)."""
    app = app or QApplication.instance()  # type: ignore[assignment]
    assert isinstance(app, QApplication)
    found: list[Shown] = []
    for top in app.topLevelWidgets():
        if not top.isVisible():
            continue
        for widget in [top, *top.findChildren(QWidget)]:
            if widget is not top and not widget.isVisibleTo(top):
                continue
            if _in_disclosure(widget):
                continue
            found += [Shown(_where(widget), t) for t in _widget_texts(widget) if t]
        if isinstance(top, QMainWindow):
            for menu in top.menuBar().findChildren(QMenu):
                found += [Shown("QMenu", t) for a in menu.actions()
                          for t in (a.text(), a.toolTip()) if t]  # fmt: skip
    return found


def _exception_names() -> set[str]:
    names: set[str] = set()
    pending: list[type[BaseException]] = [VerifyDeskError]
    while pending:
        cls = pending.pop()
        names.add(cls.__name__)
        pending.extend(cls.__subclasses__())
    for module in (builtins, httpx, httpcore):
        names.update(name for name, value in vars(module).items()
                     if isinstance(value, type) and issubclass(value, BaseException))  # fmt: skip
    return names


#: Every exception class name a person must not read outside "Details".
EXCEPTION_NAMES = frozenset(_exception_names())
_TECHNICAL = re.compile(
    r"\b(?:" + "|".join(sorted(map(re.escape, EXCEPTION_NAMES), key=len, reverse=True))
    + r")\b|Errno|\bstatus \d+:"
)


def technical_leaks(shown: Iterable[Shown], api_texts: Iterable[str] = ()) -> list[str]:
    """What in ``shown`` a person must not read outside a Details disclosure.

    Args:
        shown: The texts the walker found.
        api_texts: The API's own error texts seen in this session (``error_text``, a problem's
            ``title`` and ``detail``).

    Returns:
        One line per offending text, naming what it holds.
    """
    words = [t for t in set(api_texts) if len(t) >= 8]
    leaks = []
    for item in shown:
        match = _TECHNICAL.search(item.text)
        if match:
            leaks.append(f"{item} holds {match.group(0)!r}")
        leaks += [f"{item} holds the API's words {w!r}" for w in words if w in item.text]
    return leaks
