"""About sfjwt-gui: what is running, in a form support can paste into a ticket."""

from __future__ import annotations

import importlib
import platform
import sys
from importlib import metadata

from PySide6.QtCore import Qt, Slot, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from sfjwt_gui import APP_NAME, __version__
from sfjwt_gui.gui import icons

# (label, distribution name, module whose __version__ is the fallback)
_LIBRARIES = (
    ("PySide6", "PySide6-Essentials", "PySide6"),
    ("cryptography", "cryptography", "cryptography"),
    ("PyJWT", "PyJWT", "jwt"),
    ("requests", "requests", "requests"),
    ("platformdirs", "platformdirs", "platformdirs"),
)


def _library_version(distribution: str, module_name: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        pass
    # A frozen build or the full PySide6 package carries no such metadata.
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return "not installed"
    return str(getattr(module, "__version__", "unknown"))


def version_rows() -> list[tuple[str, str]]:
    """(name, version) of the app, Python, Qt, each library and the OS."""
    rows = [
        (APP_NAME, __version__),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("Qt", qVersion()),
    ]
    rows += [
        (label, _library_version(distribution, module))
        for label, distribution, module in _LIBRARIES
    ]
    platform_name = QGuiApplication.platformName() or "none"
    rows.append(("OS", f"{platform.platform()} ({sys.platform}, Qt {platform_name})"))
    return rows


def version_text() -> str:
    """The version rows as plain text, one "name: version" per line."""
    return "\n".join(f"{name}: {version}" for name, version in version_rows())


class AboutDialog(QDialog):
    """The app's purpose and every version that matters for a bug report."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        icon_label = QLabel(self)
        size = self.fontMetrics().height() * 4
        icon_label.setPixmap(icons.app_icon().pixmap(size, size))
        icon_label.setAccessibleName(f"{APP_NAME} icon")
        title = QLabel(f"<h2>{APP_NAME} {__version__}</h2>", self)
        blurb = QLabel(
            "Set up, test and diagnose Salesforce's OAuth 2.0 JWT bearer login: "
            "from key pair to working token.",
            self,
        )
        blurb.setWordWrap(True)

        form = QFormLayout()
        for name, version in version_rows():
            value = QLabel(version, self)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setAccessibleName(f"{name} version")
            form.addRow(f"{name}:", value)

        self.copy_button = QPushButton("&Copy versions", self)
        self.copy_button.setAccessibleName("Copy versions")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        close_button = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close_button.setAccessibleName("Close")
        close_button.setDefault(True)

        layout = QVBoxLayout(self)
        layout.addWidget(icon_label, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(blurb)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self._on_copy_clicked)

    @Slot()
    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(version_text())
