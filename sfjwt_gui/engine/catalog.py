"""The diagnosis catalog: every finding sfjwt-gui can report, by code."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from sfjwt_gui.engine.catalog_local import LOCAL_ENTRIES
from sfjwt_gui.engine.catalog_server import SERVER_ENTRIES
from sfjwt_gui.engine.errors import SfjwtError
from sfjwt_gui.engine.findings import CatalogEntry, Finding, Severity

CATALOG: dict[str, CatalogEntry] = {
    entry.code: entry for entry in (*LOCAL_ENTRIES, *SERVER_ENTRIES)
}
PREFLIGHT_CODES = frozenset(entry.code for entry in LOCAL_ENTRIES)


def make_finding(
    code: str,
    detail: str = "",
    *,
    causes_first: Sequence[str] = (),
    evidence: Mapping[str, str] | None = None,
    severity: Severity | None = None,
) -> Finding:
    """A finding for ``code`` with this run's evidence.

    ``causes_first`` names causes the evidence points to; they are put ahead of
    the catalog's generic order (they may be new sentences).
    """
    entry = CATALOG[code]
    rest = tuple(cause for cause in entry.causes if cause not in causes_first)
    finding = Finding(
        code=entry.code,
        severity=entry.severity,
        title=entry.title,
        causes=(*causes_first, *rest),
        fix=entry.fix,
        detail=detail,
        where_to_look=entry.where_to_look,
        evidence=dict(evidence or {}),
    )
    if severity is not None:
        finding = replace(finding, severity=severity)
    return finding


def finding_from_error(error: SfjwtError) -> Finding:
    """An engine error as a finding, so it shows like every other diagnosis."""
    if error.code in CATALOG:
        return make_finding(error.code, error.message, severity=Severity.ERROR)
    return Finding(
        code=error.code,
        severity=Severity.ERROR,
        title=error.message,
        causes=(),
        fix=error.fix,
    )
