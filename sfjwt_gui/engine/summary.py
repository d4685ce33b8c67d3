"""One-line summaries of a login result, for banners, history and logs."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sfjwt_gui.engine.login import LoginResult

if TYPE_CHECKING:
    from sfjwt_gui.engine.history import HistoryEntry


def one_line_summary(result: LoginResult) -> str:
    """ "Logged in as X into org Y in N ms", or the first problem's title."""
    if result.ok and result.token is not None:
        who = str(result.claims.get("sub", "?"))
        elapsed = result.timings_ms.get("token_request", 0.0)
        org = result.token.org_id or "?"
        return f"Logged in as {who} into org {org} in {elapsed:.0f} ms."
    errors = [finding for finding in result.findings if finding.is_error]
    if not errors:
        return "Not logged in."
    first = errors[0]
    salesforce_words = first.evidence.get("error_description")
    if salesforce_words:
        return f'{first.title} ("{salesforce_words}")'
    return first.title


def history_entry(
    result: LoginResult, *, at: dt.datetime | None = None
) -> HistoryEntry:
    from sfjwt_gui.engine.history import HistoryEntry

    moment = at or dt.datetime.now(dt.timezone.utc)
    record = result.token_request
    return HistoryEntry(
        at=moment.isoformat(timespec="seconds"),
        ok=result.ok,
        codes=tuple(finding.code for finding in result.findings),
        status=record.status if record is not None else None,
        elapsed_ms=result.timings_ms.get("token_request"),
        summary=one_line_summary(result),
        login_url=result.target.base_url if result.target else "",
    )
