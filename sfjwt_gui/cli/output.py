"""Plain, short terminal output; colour only when writing to a terminal."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, TextIO

from sfjwt_gui.engine.findings import Finding, Severity


class Style:
    """ANSI styling that turns itself off for pipes, files and NO_COLOR."""

    def __init__(self, stream: TextIO) -> None:
        self.enabled = stream.isatty() and not os.environ.get("NO_COLOR")

    def _wrap(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.enabled else text

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def red(self, text: str) -> str:
        return self._wrap("31", text)

    def green(self, text: str) -> str:
        return self._wrap("32", text)

    def yellow(self, text: str) -> str:
        return self._wrap("33", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)


def print_json(data: Any, stream: TextIO | None = None) -> None:
    out = stream or sys.stdout
    out.write(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    out.write("\n")


def print_rows(rows: list[tuple[str, str]], style: Style, stream: TextIO) -> None:
    """Label/value pairs with the labels aligned."""
    width = max((len(label) for label, _ in rows), default=0)
    for label, value in rows:
        stream.write(f"{style.dim(label.ljust(width))}  {value}\n")


def severity_mark(severity: Severity, style: Style) -> str:
    if severity is Severity.ERROR:
        return style.red("error")
    if severity is Severity.WARNING:
        return style.yellow("warning")
    return style.dim("info")


def print_finding(finding: Finding, style: Style, stream: TextIO) -> None:
    stream.write(
        f"{severity_mark(finding.severity, style)}: {style.bold(finding.title)}"
    )
    stream.write(f" {style.dim('[' + finding.code + ']')}\n")
    if finding.detail:
        stream.write(f"  {finding.detail}\n")
    if finding.severity is not Severity.INFO and finding.causes:
        stream.write("  Likely causes, most likely first:\n")
        for number, cause in enumerate(finding.causes, 1):
            stream.write(f"    {number}. {cause}\n")
    stream.write(f"  Fix: {finding.fix}\n")
    if finding.where_to_look:
        stream.write(f"  Where to look: {finding.where_to_look}\n")


def error_line(message: str, stream: TextIO | None = None) -> None:
    """One line on stderr for a usage or file problem."""
    out = stream or sys.stderr
    out.write(f"sfjwt: {message}\n")
