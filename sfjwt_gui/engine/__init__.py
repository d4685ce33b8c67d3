"""The Qt-free engine shared by the window and the command line.

Nothing below this package may import PySide6; a test enforces it.
"""
