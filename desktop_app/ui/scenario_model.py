"""The scenario results tree: files, then scenarios (one per data row), then steps.

:meth:`ScenarioResultsModel.begin` lays out every file and case of a run as "waiting", so the
person sees the whole run at once; :meth:`ScenarioResultsModel.apply` then fills it in from the
run's events as they arrive (on the GUI thread): a case turns "running", its steps are inserted
one by one, and its verdict replaces "running". Three columns: the name, the result in a word
or two, and what happened in plain words; the tooltip holds the technical details.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from typing_extensions import override

from desktop_app.services.scenarios import (
    Case,
    CaseFinished,
    CaseStarted,
    FileFinished,
    FileStarted,
    RunEvent,
    ScenarioFile,
    StepFinished,
    Verdict,
)
from desktop_app.ui.formatting import status_color
from desktop_app.ui.scenario_words import VERDICT_WORDS, case_words, step_words

__all__ = ["COLUMNS", "ScenarioResultsModel", "State"]

COLUMNS = ("Scenario / step", "Result", "What happened")
_NAME, _RESULT, _WHAT = range(3)
_Index = QModelIndex | QPersistentModelIndex


class State(enum.StrEnum):
    """A row's state (``Qt.ItemDataRole.UserRole``): a verdict, or not ended yet."""

    WAITING = "waiting"
    RUNNING = "running"
    OK = "ok"
    PASSED = Verdict.PASSED.value
    FAILED = Verdict.FAILED.value
    SKIPPED = Verdict.SKIPPED.value
    CANCELLED = Verdict.CANCELLED.value
    ERROR = Verdict.ERROR.value


#: The colour (a status's) each bad or good state is drawn in; the others use the palette's.
_COLOURED = {
    State.FAILED: "FAILED", State.ERROR: "FAILED", State.PASSED: "SUCCESS", State.OK: "SUCCESS",
    State.CANCELLED: "CANCELLED", State.SKIPPED: "CANCELLED",
}  # fmt: skip


_VERDICTS = frozenset(v.value for v in Verdict)


class _Node:
    """One row: its texts, its details (tooltip), its state and its children."""

    __slots__ = ("children", "details", "parent", "row", "state", "texts")

    def __init__(self, parent: _Node | None, row: int, name: str, state: State) -> None:
        self.parent = parent
        self.row = row
        self.children: list[_Node] = []
        self.texts = [name, state.value, ""]
        self.details = ""
        self.state = state

    def add(self, name: str, state: State) -> _Node:
        child = _Node(self, len(self.children), name, state)
        self.children.append(child)
        return child


def _case_key(case: Case) -> tuple[int, int, int | None]:
    # The engine makes its own Case values: the file and scenario objects are the ones given.
    return id(case.file), id(case.scenario), case.row_number


class ScenarioResultsModel(QAbstractItemModel):
    """A run's results as a tree, filled in live.

    Args:
        shown: Applied to every text shown (masks numbers in presenter mode).
        parent: The Qt parent.
    """

    def __init__(self, shown: Callable[[str], str] = str, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._shown = shown
        self._root = _Node(None, 0, "", State.WAITING)
        self._files: dict[int, _Node] = {}
        self._cases: dict[tuple[int, int, int | None], _Node] = {}

    # -- filling in ----------------------------------------------------------------------------

    def begin(self, files: Sequence[ScenarioFile]) -> None:
        """Show every file and case of a new run, all waiting."""
        self.beginResetModel()
        self._root = _Node(None, 0, "", State.WAITING)
        self._files.clear()
        self._cases.clear()
        for file in files:
            file_node = self._root.add(file.path.name, State.WAITING)
            file_node.details = str(file.path)
            self._files[id(file)] = file_node
            for case in file.cases():
                self._cases[_case_key(case)] = file_node.add(case.name, State.WAITING)
        self.endResetModel()

    def apply(self, event: RunEvent) -> None:
        """Show what one event says (events come in the runner's order)."""
        if isinstance(event, FileStarted):
            node = self._files.get(id(event.file))
            if node is not None:
                node.details = f"{event.file.path}\nruns on {event.where}".strip()
                self._set(node, State.RUNNING, "running")
        elif isinstance(event, CaseStarted):
            node = self._cases.get(_case_key(event.case))
            if node is not None:
                self._set(node, State.RUNNING, "running")
        elif isinstance(event, StepFinished):
            self._add_step(event)
        elif isinstance(event, CaseFinished):
            node = self._cases.get(_case_key(event.result.case))
            if node is not None:
                words = case_words(event.result)
                node.details = words.details
                self._set(node, State(event.result.verdict.value), words.result, words.headline)
        elif isinstance(event, FileFinished):
            self._finish_file(event)

    def abandon(self) -> None:
        """The run broke off: what had not ended could not run."""
        for node in [*self._files.values(), *self._cases.values()]:
            if node.state in (State.WAITING, State.RUNNING):
                self._set(node, State.ERROR, VERDICT_WORDS[Verdict.ERROR], "The run broke off.")

    def _add_step(self, event: StepFinished) -> None:
        case_node = self._cases.get(_case_key(event.case))
        if case_node is None:
            return
        words = step_words(event.result)
        parent = self.createIndex(case_node.row, 0, case_node)
        row = len(case_node.children)
        self.beginInsertRows(parent, row, row)
        state = State.OK if event.result.passed else State.FAILED
        node = case_node.add(event.result.step.title, state)
        node.texts[_RESULT] = words.result
        node.texts[_WHAT] = words.headline
        node.details = words.details
        self.endInsertRows()

    def _finish_file(self, event: FileFinished) -> None:
        node = self._files.get(id(event.result.file))
        if node is None:
            return
        result = event.result
        counts = {v: result.count(v) for v in Verdict if result.count(v)}
        said = ", ".join(f"{n} {VERDICT_WORDS[v]}" for v, n in counts.items()) or "no scenarios"
        bad = result.count(Verdict.FAILED) or result.count(Verdict.ERROR)
        state = State.FAILED if bad else State.PASSED
        if not bad and len(counts) == 1 and Verdict.PASSED not in counts:
            state = State(next(iter(counts)).value)
        what = "Could not run: its sandbox or account could not be opened." if result.error else ""
        if result.error:
            node.details = f"{node.details}\n{result.error}".strip()
        self._set(node, state, said, what)

    def _set(self, node: _Node, state: State, result: str, what: str | None = None) -> None:
        node.state = state
        node.texts[_RESULT] = result
        if what is not None:
            node.texts[_WHAT] = what
        self.dataChanged.emit(self.createIndex(node.row, 0, node),
                              self.createIndex(node.row, len(COLUMNS) - 1, node))  # fmt: skip

    # -- reading -------------------------------------------------------------------------------

    def counts(self) -> dict[Verdict, int]:
        """How many cases ended with each verdict so far."""
        found: dict[Verdict, int] = {}
        for node in self._cases.values():
            if node.state.value in _VERDICTS:
                verdict = Verdict(node.state.value)
                found[verdict] = found.get(verdict, 0) + 1
        return found

    def case_count(self) -> int:
        """How many cases the run has."""
        return len(self._cases)

    def step_count(self) -> int:
        """How many steps have finished."""
        return sum(len(node.children) for node in self._cases.values())

    def index_of_file(self, file: ScenarioFile) -> QModelIndex:
        """The row of ``file`` (invalid when it is not in this run)."""
        node = self._files.get(id(file))
        return self.createIndex(node.row, 0, node) if node is not None else QModelIndex()

    def index_of_case(self, case: Case) -> QModelIndex:
        """The row of ``case`` (invalid when it is not in this run)."""
        node = self._cases.get(_case_key(case))
        return self.createIndex(node.row, 0, node) if node is not None else QModelIndex()

    def node_state(self, index: _Index) -> State | None:
        """The state of the row at ``index``."""
        node = self._node(index)
        return None if node is self._root else node.state

    def details(self, index: _Index) -> str:
        """The technical details of the row at ``index``."""
        return self._shown(self._node(index).details)

    # -- QAbstractItemModel --------------------------------------------------------------------

    def _node(self, index: _Index) -> _Node:
        if not index.isValid():
            return self._root
        node = index.internalPointer()
        return node if isinstance(node, _Node) else self._root

    @override
    def index(
        self,
        row: int,
        column: int,
        parent: _Index = QModelIndex(),  # noqa: B008 - Qt's default
    ) -> QModelIndex:
        node = self._node(parent)
        if not 0 <= row < len(node.children) or not 0 <= column < len(COLUMNS):
            return QModelIndex()
        return self.createIndex(row, column, node.children[row])

    @override
    def parent(  # type: ignore[override]
        self,
        child: _Index = QModelIndex(),  # noqa: B008 - Qt's default
    ) -> QModelIndex:
        node = self._node(child)
        up = node.parent
        if up is None or up is self._root:
            return QModelIndex()
        return self.createIndex(up.row, 0, up)

    @override
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    @override
    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's default
        return len(COLUMNS)

    @override
    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        node = self._node(index)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._shown(node.texts[index.column()])
        if role == Qt.ItemDataRole.ToolTipRole:
            # The whole cell (it may be elided), then the technical details.
            shown = "\n\n".join(t for t in (node.texts[index.column()], node.details) if t)
            return self._shown(shown) or None
        if role == Qt.ItemDataRole.UserRole:
            return node.state.value
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == _RESULT:
            colour = _COLOURED.get(node.state)
            return status_color(colour) if colour else None
        return None

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(COLUMNS)):  # fmt: skip
            return COLUMNS[section]
        return None
