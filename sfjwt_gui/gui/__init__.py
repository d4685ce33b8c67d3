"""The PySide6 window. Everything it does goes through the Qt-free engine."""
