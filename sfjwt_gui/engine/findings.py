"""What the diagnosis says: findings, each built from an entry of the catalog."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class CatalogEntry:
    """The fixed text of one finding: what it is, why it happens, what to do."""

    code: str
    severity: Severity
    title: str
    causes: tuple[str, ...]
    fix: str
    where_to_look: str = ""


@dataclass(frozen=True)
class Finding:
    """One thing the diagnosis found, with causes ranked for this case.

    ``detail`` holds the evidence of this run (the values compared, the server's
    words); it never holds a secret.
    """

    code: str
    severity: Severity
    title: str
    causes: tuple[str, ...]
    fix: str
    detail: str = ""
    where_to_look: str = ""
    evidence: dict[str, str] = field(default_factory=dict)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "title": self.title,
            "detail": self.detail,
            "causes": list(self.causes),
            "fix": self.fix,
            "where_to_look": self.where_to_look,
            "evidence": dict(self.evidence),
        }

    def as_text(self) -> str:
        """The finding as plain text, for the clipboard or a ticket."""
        lines = [f"[{self.severity.value}] {self.title} ({self.code})"]
        if self.detail:
            lines.append(self.detail)
        if self.causes:
            lines.append("Likely causes, most likely first:")
            lines.extend(f"  {n}. {cause}" for n, cause in enumerate(self.causes, 1))
        lines.append(f"Fix: {self.fix}")
        if self.where_to_look:
            lines.append(f"Where to look: {self.where_to_look}")
        return "\n".join(lines)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then warnings, then information; stable within a level."""
    return sorted(findings, key=lambda item: SEVERITY_ORDER[item.severity])


def has_error(findings: Iterable[Finding]) -> bool:
    return any(item.is_error for item in findings)
