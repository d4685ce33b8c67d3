"""The record of one HTTP exchange: what was sent, what came back, or why not."""

from __future__ import annotations

import email.utils
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any


class FailureCode(str, Enum):
    """Why an exchange produced no complete answer."""

    TIMEOUT = "timeout"
    CONNECTION_FAILED = "connection_failed"
    TLS_ERROR = "tls_error"
    PROXY_ERROR = "proxy_error"
    RESPONSE_TOO_LARGE = "response_too_large"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class TransportFailure:
    """A transport problem: a plain ``message`` and a technical ``detail``."""

    code: FailureCode
    message: str
    detail: str = ""


@dataclass
class HttpRecord:
    """Everything about one request and its answer (or why there was none)."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_form: dict[str, str]
    started_at: datetime
    elapsed_ms: float | None = None
    status: int | None = None
    reason: str = ""
    response_headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    body_truncated: bool = False
    failure: TransportFailure | None = None

    def header(self, name: str) -> str:
        """A response header by case-insensitive name, "" when absent."""
        wanted = name.lower()
        for key, value in self.response_headers.items():
            if key.lower() == wanted:
                return value
        return ""

    @property
    def content_type(self) -> str:
        """The media type, lowercased, without parameters ("application/json")."""
        return self.header("Content-Type").split(";", 1)[0].strip().lower()

    @property
    def text(self) -> str:
        """The body decoded with the declared charset, else UTF-8; never raises."""
        try:
            return self.body.decode(self._charset() or "utf-8", errors="replace")
        except (LookupError, ValueError):
            return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any | None:
        """The body parsed as JSON, or None when it is not complete, valid JSON."""
        if self.body_truncated or not self.body:
            return None

        # JSON between systems is UTF-8 (RFC 8259), whatever the header claims.
        try:
            return json.loads(self.body.decode("utf-8-sig"))
        except (ValueError, RecursionError):
            return None

    @property
    def server_date(self) -> datetime | None:
        """The server's clock from the Date header (UTC), None if missing or bad."""
        raw = self.header("Date")
        if not raw:
            return None

        try:
            parsed = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None

        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(timezone.utc)

    @property
    def clock_skew_s(self) -> float | None:
        """Server clock minus ours at the exchange midpoint (positive: server ahead)."""
        server_date = self.server_date
        if server_date is None:
            return None

        half_ms = (self.elapsed_ms or 0.0) / 2
        midpoint = self.started_at + timedelta(milliseconds=half_ms)
        return (server_date - midpoint).total_seconds()

    @property
    def ok(self) -> bool:
        """True when an answer arrived whole with a 2xx status."""
        return self.failure is None and 200 <= (self.status or 0) < 300

    def _charset(self) -> str:
        for parameter in self.header("Content-Type").split(";")[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "charset":
                return value.strip().strip('"').strip()
        return ""
