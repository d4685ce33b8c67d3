"""The Tools menu's dialogs: decode a JWT, inspect files, check a key and cert."""

from __future__ import annotations

from sfjwt_gui.gui.tools_decode import DecodeDialog
from sfjwt_gui.gui.tools_inspect import InspectDialog
from sfjwt_gui.gui.tools_match import MatchDialog

__all__ = ["DecodeDialog", "InspectDialog", "MatchDialog"]
