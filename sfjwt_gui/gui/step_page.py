"""What the three step pages share: the session, the task runner, a state."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from sfjwt_gui.gui.session import ProfileSession
from sfjwt_gui.gui.tasks import TaskRunner
from sfjwt_gui.gui.widgets import StepState


class StepPage(QWidget):
    """One step of the guided flow.

    Signals:
        state_changed(object): the step's new StepState, shown beside the step.
        status_message(str): a short line for the status bar.
    """

    state_changed = Signal(object)
    status_message = Signal(str)

    def __init__(
        self,
        session: ProfileSession,
        tasks: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._tasks = tasks
        self._state = StepState.NONE

    def state(self) -> StepState:
        return self._state

    def _set_state(self, state: StepState) -> None:
        if state is self._state:
            return
        self._state = state
        self.state_changed.emit(state)
