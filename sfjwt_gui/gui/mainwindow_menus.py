"""The main window's menu bar, and the commands that open other windows.

File and Test commands act on the window's profile and pages, so the window
handles them; the Demo, Tools and Help commands are handled here. The Tools
dialogs, the log window and the demo scenarios are imported on first use,
keeping them out of the start-up path; the demo controller arrives later too
(attach_demo).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from sfjwt_gui import APP_NAME
from sfjwt_gui.engine import logsetup, paths
from sfjwt_gui.engine.errors import SfjwtError
from sfjwt_gui.gui.widgets import PendingShortcuts

if TYPE_CHECKING:
    from PySide6.QtGui import QActionGroup
    from PySide6.QtWidgets import QDialog

    from sfjwt_gui.gui.demo_control import DemoController
    from sfjwt_gui.gui.logview import LogWindow
    from sfjwt_gui.gui.mainwindow import MainWindow

logger = logging.getLogger(__name__)


class WindowMenus(QObject):
    """Builds the menu bar of ``window`` and owns its Demo, Tools and Help actions."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._dialogs: dict[str, QDialog] = {}
        self._log_window: LogWindow | None = None
        self.scenario_actions: dict[str, QAction] = {}
        # Given by the window once it has painted.
        self.shortcuts = PendingShortcuts()
        self._build_menus()
        self._connect_signals()

    def _action(self, menu: QMenu, text: str, tip: str, shortcut: str = "") -> QAction:
        # Not QAction(text, parent): an overload taking an icon would load
        # QIcon's enum types before the window's first paint.
        action = QAction(self._window)
        action.setText(text)
        action.setStatusTip(tip)
        if shortcut:
            self.shortcuts.add(action, shortcut)
        menu.addAction(action)
        # Added to the window too, so the shortcut works while the menu is closed.
        self._window.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self._window.menuBar()
        sidebar = self._window.sidebar

        self.file_menu = bar.addMenu("&File")
        for action in (sidebar.new_action, sidebar.duplicate_action):
            self.file_menu.addAction(action)
        for action in (sidebar.rename_action, sidebar.delete_action):
            self.file_menu.addAction(action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(sidebar.import_action)
        self.file_menu.addAction(sidebar.export_action)
        self.file_menu.addSeparator()
        self.open_config_action = self._action(
            self.file_menu,
            "Open &config folder",
            "Show the folder holding profiles, history and settings",
        )
        self.file_menu.addSeparator()
        self.quit_action = self._action(
            self.file_menu, "&Quit", f"Close {APP_NAME}", "Ctrl+Q"
        )

        self.test_menu = bar.addMenu("&Test")
        self.test_action = self._action(
            self.test_menu,
            "&Test login",
            "Ask for a token with the selected profile",
            "Ctrl+Return",
        )
        self.cancel_action = self._action(
            self.test_menu,
            "&Cancel",
            "Stop the running test login or key generation",
            "Esc",
        )

        # "D&emo" and "T&ools": Alt+D belongs to the welcome page's demo button
        # and Alt+T to the Test menu.
        self.demo_menu = bar.addMenu("D&emo")
        self.start_demo_action = self._action(
            self.demo_menu,
            "&Start demo org",
            "Run the built-in stand-in of Salesforce and open the Demo profile",
        )
        self.stop_demo_action = self._action(
            self.demo_menu, "S&top demo org", "Stop the built-in demo org"
        )
        # Filled, with its action group, when the Demo menu first opens.
        self.scenario_menu = self.demo_menu.addMenu("S&cenario")
        self.scenario_group: QActionGroup | None = None

        self.tools_menu = bar.addMenu("T&ools")
        self.decode_action = self._action(
            self.tools_menu,
            "&Decode JWT...",
            "Read the header and claims of any JWT you paste",
            "Ctrl+D",
        )
        self.inspect_action = self._action(
            self.tools_menu,
            "&Inspect files...",
            "Say what key, certificate or bundle files hold",
            "Ctrl+I",
        )
        self.match_action = self._action(
            self.tools_menu,
            "&Check key against certificate...",
            "Check that a private key belongs to a certificate",
        )
        self.connect_action = self._action(
            self.tools_menu,
            "Check c&onnection...",
            "Resolve, connect, complete TLS and read /services/data/ step by step",
        )

        self.help_menu = bar.addMenu("&Help")
        self.show_log_action = self._action(
            self.help_menu, "Show &log", "Show what the app has logged (no secrets)"
        )
        self.open_log_folder_action = self._action(
            self.help_menu, "Open log &folder", "Show the folder of the log files"
        )
        self.help_menu.addSeparator()
        self.about_action = self._action(
            self.help_menu, f"&About {APP_NAME}", "Versions of the app and libraries"
        )
        self.set_demo_running(False)

    def _connect_signals(self) -> None:
        self.open_config_action.triggered.connect(self._on_open_config_triggered)
        self.quit_action.triggered.connect(self._window.close)
        self.demo_menu.aboutToShow.connect(self._on_demo_menu_about_to_show)
        self.start_demo_action.triggered.connect(self._window.open_demo)
        self.decode_action.triggered.connect(self._on_decode_triggered)
        self.inspect_action.triggered.connect(self._on_inspect_triggered)
        self.match_action.triggered.connect(self._on_match_triggered)
        self.connect_action.triggered.connect(self._on_connect_triggered)
        self.show_log_action.triggered.connect(self._on_show_log_triggered)
        self.open_log_folder_action.triggered.connect(self._on_open_log_triggered)
        self.about_action.triggered.connect(self._on_about_triggered)

    def attach_demo(self, demo: DemoController) -> None:
        """Follow the window's demo controller, made after the menus."""
        demo.running_changed.connect(self.set_demo_running)
        demo.scenario_changed.connect(self._on_demo_scenario_changed)
        self.set_demo_running(demo.running)

    # ---- demo ---------------------------------------------------------------

    def ensure_scenario_actions(self) -> dict[str, QAction]:
        """Fill the Scenario submenu on first use; returns name -> action."""
        if self.scenario_actions:
            return self.scenario_actions
        from PySide6.QtGui import QActionGroup

        from sfjwt_gui.gui.demo_control import scenario_list

        group = QActionGroup(self)
        group.setExclusive(True)
        group.triggered.connect(self._on_scenario_triggered)
        self.scenario_group = group
        current = self._window.demo.scenario
        for scenario in scenario_list():
            action = QAction(scenario.title, group)
            action.setCheckable(True)
            action.setChecked(scenario.name == current)
            action.setData(scenario.name)
            action.setStatusTip(scenario.description)
            action.setToolTip(scenario.description)
            self.scenario_menu.addAction(action)
            self.scenario_actions[scenario.name] = action
        self.scenario_menu.setToolTipsVisible(True)
        return self.scenario_actions

    @Slot(bool)
    def set_demo_running(self, running: bool) -> None:
        self.start_demo_action.setEnabled(True)
        self.stop_demo_action.setEnabled(running)

    @Slot()
    def _on_demo_menu_about_to_show(self) -> None:
        self.ensure_scenario_actions()

    @Slot(QAction)
    def _on_scenario_triggered(self, action: QAction) -> None:
        try:
            self._window.demo.set_scenario(str(action.data()))
        except SfjwtError as error:
            self._window.show_status(error.message)

    @Slot(str)
    def _on_demo_scenario_changed(self, name: str) -> None:
        action = self.ensure_scenario_actions().get(name)
        if action is not None and not action.isChecked():
            action.setChecked(True)

    # ---- tools and help -----------------------------------------------------

    def open_dialog(self, key: str) -> QDialog:
        """Show the tool dialog ``key`` (decode, inspect, match, connect); reused."""
        dialog = self._dialogs.get(key)
        if dialog is None:
            from sfjwt_gui.gui import tools

            tasks = self._window.tasks
            if key == "decode":
                dialog = tools.DecodeDialog(self._window)
            elif key == "inspect":
                dialog = tools.InspectDialog(tasks, self._window)
            elif key == "connect":
                from sfjwt_gui.gui.tools_connect import ConnectDialog

                dialog = ConnectDialog(tasks, self._window.session, self._window)
            else:
                dialog = tools.MatchDialog(tasks, self._window)
            self._dialogs[key] = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def log_window(self) -> LogWindow:
        if self._log_window is None:
            from sfjwt_gui.gui.logview import LogWindow

            self._log_window = LogWindow(self._window)
        return self._log_window

    def close_windows(self) -> None:
        """Close the tool and log windows (the main window is closing)."""
        for dialog in self._dialogs.values():
            dialog.close()
        if self._log_window is not None:
            self._log_window.close()

    @Slot()
    def _on_open_config_triggered(self) -> None:
        self._show_folder(paths.config_dir())

    @Slot()
    def _on_decode_triggered(self) -> None:
        self.open_dialog("decode")

    @Slot()
    def _on_inspect_triggered(self) -> None:
        self.open_dialog("inspect")

    @Slot()
    def _on_match_triggered(self) -> None:
        self.open_dialog("match")

    @Slot()
    def _on_connect_triggered(self) -> None:
        self.open_dialog("connect")

    @Slot()
    def _on_show_log_triggered(self) -> None:
        window = self.log_window()
        window.show()
        window.raise_()
        window.activateWindow()

    @Slot()
    def _on_open_log_triggered(self) -> None:
        self._show_folder(logsetup.log_file_path().parent)

    def _show_folder(self, folder: Path) -> None:
        from sfjwt_gui.gui.logview import open_folder

        if not open_folder(folder):
            # A machine without a file manager (a server, a bare container).
            self._window.show_status(
                f"No file manager could show {folder}; open that folder yourself."
            )

    @Slot()
    def _on_about_triggered(self) -> None:
        from sfjwt_gui.gui.about import AboutDialog

        dialog = self._dialogs.get("about")
        if dialog is None:
            dialog = AboutDialog(self._window)
            self._dialogs["about"] = dialog
        dialog.show()
        dialog.raise_()
